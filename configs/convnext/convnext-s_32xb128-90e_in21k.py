# ConvNeXt-S, ImageNet-22K pre-training (Table 4.5): as ConvNeXt-T, drop path 0.0.
# Weights: dl.fbaipublicfiles.com/convnext/convnext_small_22k_224.pth.
_base_ = './convnext-t_32xb128-90e_in21k.py'

model = dict(backbone=dict(arch='small', drop_path_rate=0.0), head=dict(in_channels=768))
