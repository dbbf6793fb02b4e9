# ConvNeXt-B, ImageNet-1K 224 pre-trained, fine-tuned at 384 (Tables 4.1, 4.6 left): 85.1
# top-1. The 22K fine-tuning recipe with layer-wise lr decay 0.7 and drop path 0.8; starts from
# the ImageNet-1K model (the final, non-EMA weights).
_base_ = './convnext-t_in21k-pre_8xb64-30e_in1k-384px.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_base_1k_224.pth'

model = dict(
    backbone=dict(arch='base', drop_path_rate=0.8,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(decay_rate=0.7))
