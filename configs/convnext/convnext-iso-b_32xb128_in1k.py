# Isotropic ConvNeXt-B, ImageNet-1K (Table 4.2): 82.0 top-1, 87M params, 16.9G FLOPs.
_base_ = './convnext-iso-s_32xb128_in1k.py'

model = dict(
    backbone=dict(arch='base', drop_path_rate=0.2, layer_scale_init_value=0.0),
    head=dict(in_channels=768))
