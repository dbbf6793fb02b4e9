# Cascade Mask R-CNN 3x, ConvNeXt-B (ImageNet-1K init), Table 4.3: 52.7 / 45.6, 146M, 964G.
# Drop path 0.7, lr 2e-4, layer-wise decay 0.8 over 12 layer groups (anchors §8).
_base_ = './cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_base_1k_224.pth'

model = dict(
    backbone=dict(arch='base', drop_path_rate=0.7,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[128, 256, 512, 1024]))

optim_wrapper = dict(paramwise_cfg=dict(decay_rate=0.8, num_layers=12))
