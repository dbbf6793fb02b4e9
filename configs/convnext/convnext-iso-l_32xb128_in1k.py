# Isotropic ConvNeXt-L, ImageNet-1K (Table 4.2): 82.6 top-1, 306M params, 59.7G FLOPs.
_base_ = './convnext-iso-s_32xb128_in1k.py'

model = dict(
    backbone=dict(arch='large', drop_path_rate=0.5, layer_scale_init_value=1e-06),
    head=dict(in_channels=1024))
