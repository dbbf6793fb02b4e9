# Toy Table 3.12 transfer on data/voc_toy (VOC2007 layout, 3 real class names, 128x160 images):
# inherits the ResNet-34-A Scratch-E detection config and shrinks the backbone (a 1-block-per-
# stage ResNet with a pruned spec, no pretrained weights), FPN/heads, image scale and schedule
# (8 iterations).
_base_ = ['../faster-rcnn_resnet34-A-scratch-e_fpn_8xb2-1x_voc07.py']

data_root = 'data/voc_toy/'
width = 32
model = dict(
    backbone=dict(arch=dict(_delete_=True, block='basic', depths=(1, 1, 1, 1), channels=(8, 16, 32, 64)),
                  spec=dict(_delete_=True, widths={'layer2.0.conv1': 12, 'layer3.0.conv1': 20}),
                  init_cfg=None),
    neck=dict(in_channels=[8, 16, 32, 64], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=width),
                  bbox_head=dict(in_channels=width, fc_out_channels=64)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(160, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(times=1, dataset=dict(data_root=data_root, pipeline=train_pipeline,
                                       filter_cfg=dict(filter_empty_gt=True, min_size=8,
                                                       bbox_min_size=4))))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=8, val_interval=8)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=8, by_epoch=False, milestones=[6])]
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(by_epoch=False, interval=8))
