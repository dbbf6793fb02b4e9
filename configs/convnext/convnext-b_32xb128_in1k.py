# ConvNeXt-B, ImageNet-1K, 300 epochs (Tables 4.1 and 4.5): 83.8 top-1, 89M params, 15.4G FLOPs.
# The recipe of convnext-t_32xb128_in1k.py (mmpretrain's ConvNeXt recipe, EMA 0.9999) with
# drop path 0.5.
_base_ = 'mmpretrain::convnext/convnext-base_32xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='base',
        out_indices=-1,
        drop_path_rate=0.5,
        layer_scale_init_value=1e-6,
        gap_before_final_norm=True))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
