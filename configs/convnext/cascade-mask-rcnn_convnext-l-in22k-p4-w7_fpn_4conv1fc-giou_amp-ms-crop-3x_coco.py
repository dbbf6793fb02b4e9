# Cascade Mask R-CNN 3x, ConvNeXt-L (ImageNet-22K init), Table 4.3: 54.8 / 47.6, 255M, 1354G.
# Drop path 0.7, lr 1e-4, layer-wise decay 0.7 over 12 layer groups (anchors §8).
_base_ = './cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_224.pth'

model = dict(
    backbone=dict(arch='large', drop_path_rate=0.7,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[192, 384, 768, 1536]))

optim_wrapper = dict(optimizer=dict(lr=1e-4),
                     paramwise_cfg=dict(decay_rate=0.7, num_layers=12))
