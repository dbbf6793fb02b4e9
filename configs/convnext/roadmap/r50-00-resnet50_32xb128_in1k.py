# Modernization roadmap, Table 4.10: ResNet-50 (enhanced recipe). Paper: 78.82 top-1, 4.09 GFLOPs.
# ResNet-50 as a ModernizedResNet (defaults), trained with the ConvNeXt ImageNet-1K recipe
# of ../convnext-t_32xb128_in1k.py without EMA (Sec. 4.8: EMA hurts models with BN).
# Each following step inherits the previous one and changes one option.
_base_ = '../convnext-t_32xb128_in1k.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ModernizedResNet',
        out_indices=-1,
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        gap_before_final_norm=True),
    head=dict(in_channels=2048))
custom_hooks = []  # no EMA
