# ConvNeXt-XL, ImageNet-22K pre-training (Table 4.5): as ConvNeXt-T, drop path 0.2.
# Weights: dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_224.pth.
_base_ = './convnext-t_32xb128-90e_in21k.py'

model = dict(backbone=dict(arch='xlarge', drop_path_rate=0.2), head=dict(in_channels=2048))

train_dataloader = dict(batch_size=64)
