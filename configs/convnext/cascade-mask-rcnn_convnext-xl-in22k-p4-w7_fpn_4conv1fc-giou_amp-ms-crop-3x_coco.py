# Cascade Mask R-CNN 3x, ConvNeXt-XL (ImageNet-22K init), Table 4.3: 55.2 / 47.7, 407M, 1898G.
# Drop path 0.8, lr 1e-4, layer-wise decay 0.7 over 12 layer groups, 2 images per GPU (anchors §8).
_base_ = './cascade-mask-rcnn_convnext-l-in22k-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_224.pth'

model = dict(
    backbone=dict(arch='xlarge', drop_path_rate=0.8,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[256, 512, 1024, 2048]))

train_dataloader = dict(batch_size=2)
