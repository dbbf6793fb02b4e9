# ConvNeXt-L, ImageNet-1K 224 pre-trained, fine-tuned at 384 (Tables 4.1, 4.6 left): 85.5
# top-1. The 22K fine-tuning recipe with layer-wise lr decay 0.7 and drop path 0.95; starts from
# the ImageNet-1K model (the EMA weights: the non-EMA ones overfit, Sec. 4.8).
_base_ = './convnext-t_in21k-pre_8xb64-30e_in1k-384px.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_large_1k_224_ema.pth'

model = dict(
    backbone=dict(arch='large', drop_path_rate=0.95,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    head=dict(in_channels=1536))
optim_wrapper = dict(paramwise_cfg=dict(decay_rate=0.7))
