# UperNet 160k, ConvNeXt-S, Tables 4.4 / 4.7: 48.7 mIoU single-scale, 49.6 multi-scale + flip
# (`tools/test.py ... --tta`), 82M params, 1027G FLOPs. As ConvNeXt-T (mmseg's recipe differs
# only in the backbone) with drop path 0.3 and 12 layer groups (anchors §8).
_base_ = './upernet_convnext-t_8xb2-amp-160k_ade20k-512x512.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_small_1k_224.pth'

model = dict(
    backbone=dict(arch='small', drop_path_rate=0.3,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)))

optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))
