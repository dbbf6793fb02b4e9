# ConvNeXt-L, ImageNet-1K, 300 epochs (Tables 4.1 and 4.5): 84.3 top-1, 198M params, 34.4G FLOPs.
# The recipe of convnext-t_32xb128_in1k.py (mmpretrain's ConvNeXt recipe, EMA 0.9999) with
# drop path 0.5.
_base_ = 'mmpretrain::convnext/convnext-large_64xb64_in1k.py'

custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='large',
        out_indices=-1,
        drop_path_rate=0.5,
        layer_scale_init_value=1e-6,
        gap_before_final_norm=True))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
