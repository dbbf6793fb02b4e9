# ConvNeXt-XL, ImageNet-22K pre-trained, fine-tuned on ImageNet-1K at 384 (Tables 4.1, 4.6):
# 87.8 top-1. Recipe of the ConvNeXt-T config, drop path 0.4.
_base_ = './convnext-t_in21k-pre_8xb64-30e_in1k-384px.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_224.pth'

model = dict(
    backbone=dict(arch='xlarge', drop_path_rate=0.4,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    head=dict(in_channels=2048))

custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]
