# Toy Faster R-CNN + SLaK on the embedded toy VOC 2007 (data/voc_toy: 128x160 scenes named
# car/person/dog). Inherits the SLaK-T VOC config; shrinks width/depth/kernels, image scale
# (x0.16), batch and schedule; VOC 2007 only (the toy has no 2012 part); from scratch.
_base_ = '../faster-rcnn_slak-t_fpn_8xb2-ms-3x_voc0712.py'

data_root = 'data/voc_toy/'
width = 32
model = dict(
    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 2, 1], channels=[16, 32, 48, 64],
                            kernel_sizes=[13, 11, 9, 7], small_kernel=3),
                  drop_path_rate=0.1, norm_cfg=dict(type='BN', requires_grad=True),
                  init_cfg=None),
    neck=dict(in_channels=[16, 32, 48, 64], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=width),
                  bbox_head=dict(in_channels=width, fc_out_channels=64)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomChoiceResize', scales=[(213, 77), (213, 102), (213, 128)], keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(213, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(times=1, dataset=dict(datasets=[
        dict(type='VOCDataset', data_root=data_root,
             ann_file='VOC2007/ImageSets/Main/trainval.txt',
             data_prefix=dict(sub_data_root='VOC2007/'),
             filter_cfg=dict(filter_empty_gt=True, min_size=8, bbox_min_size=8),
             pipeline=train_pipeline)])))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 1
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=5)]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
