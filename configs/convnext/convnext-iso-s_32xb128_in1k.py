# Isotropic ConvNeXt-S, ImageNet-1K (Table 4.2): 79.7 top-1, 22M params, 4.3G FLOPs.
# A 16x16 patchify stem and 18 ConvNeXt blocks at width 384, no downsampling (Sec. 4.4.3).
# The ImageNet-1K recipe with 50 warm-up epochs, layer scale disabled (S/B), drop path
# 0.1/0.2/0.5 for S/B/L.
_base_ = './convnext-t_32xb128_in1k.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXtIsotropic',
        arch='small',
        drop_path_rate=0.1,
        layer_scale_init_value=0.,
        gap_before_final_norm=True),
    head=dict(in_channels=384))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=50, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=50),
]
