# ConvNeXt-L, ImageNet-22K pre-training (Table 4.5): as ConvNeXt-T, drop path 0.1.
# Weights: dl.fbaipublicfiles.com/convnext/convnext_large_22k_224.pth.
_base_ = './convnext-t_32xb128-90e_in21k.py'

model = dict(backbone=dict(arch='large', drop_path_rate=0.1), head=dict(in_channels=1536))

train_dataloader = dict(batch_size=64)
