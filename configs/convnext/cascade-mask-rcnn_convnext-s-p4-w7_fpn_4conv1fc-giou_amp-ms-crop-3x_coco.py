# Cascade Mask R-CNN 3x, ConvNeXt-S (ImageNet-1K init), Table 4.3: 51.9 / 45.0, 108M, 827G.
# As ConvNeXt-T but drop path 0.6 and 12 layer groups (anchors §8).
_base_ = './cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_small_1k_224.pth'

model = dict(
    backbone=dict(arch='small', drop_path_rate=0.6,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)))

optim_wrapper = dict(paramwise_cfg=dict(decay_rate=0.7, num_layers=12))
