# ConvNeXt-T, ImageNet-1K, 300 epochs (Tables 4.1 and 4.5): 82.1 top-1, 28.6M params, 4.5G FLOPs.
# AdamW 4e-3 at batch 4096, 20 warm-up epochs, cosine, RandAugment 9/0.5, Mixup 0.8,
# CutMix 1.0, Random Erasing 0.25, label smoothing 0.1, drop path 0.1, layer scale 1e-6, EMA.
_base_ = 'mmpretrain::convnext/convnext-tiny_32xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='tiny',
        out_indices=-1,
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        gap_before_final_norm=True))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
