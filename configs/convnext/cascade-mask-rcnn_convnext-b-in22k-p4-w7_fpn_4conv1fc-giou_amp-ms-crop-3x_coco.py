# Cascade Mask R-CNN 3x, ConvNeXt-B (ImageNet-22K init), Table 4.3: 54.0 / 46.9, 146M, 964G.
# Drop path 0.6, lr 1e-4, layer-wise decay 0.8 over 12 layer groups (anchors §8).
_base_ = './cascade-mask-rcnn_convnext-b-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_base_22k_224.pth'

model = dict(
    backbone=dict(drop_path_rate=0.6,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)))

optim_wrapper = dict(optimizer=dict(lr=1e-4),
                     paramwise_cfg=dict(decay_rate=0.8, num_layers=12))
