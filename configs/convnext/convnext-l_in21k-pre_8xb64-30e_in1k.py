# ConvNeXt-L, ImageNet-22K pre-trained, fine-tuned on ImageNet-1K at 224 (Tables 4.1, 4.6):
# 86.6 top-1. Recipe of the ConvNeXt-T config, drop path 0.3.
_base_ = './convnext-t_in21k-pre_8xb64-30e_in1k.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_224.pth'

model = dict(
    backbone=dict(arch='large', drop_path_rate=0.3,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    head=dict(in_channels=1536))
