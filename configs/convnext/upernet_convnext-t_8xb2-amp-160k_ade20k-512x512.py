# UperNet 160k, ConvNeXt-T (ImageNet-1K init), Table 4.4: 46.0 mIoU single-scale,
# 46.7 multi-scale + flip (`tools/test.py ... --tta`). AdamW 1e-4, stage-wise lr decay 0.9,
# drop path 0.4, sliding-window test (crop 512, stride 341).
_base_ = 'mmseg::convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_tiny_1k_224.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)))

optim_wrapper = dict(
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise', num_layers=6))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
