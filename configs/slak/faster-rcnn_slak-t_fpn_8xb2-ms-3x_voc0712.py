# Faster R-CNN, SLaK-T, PASCAL VOC (07+12 trainval, tested on VOC 2007 test), Table 5: 82.7 mAP,
# 49M params, 205G FLOPs at 1280x800. Appendix A.4: AdamW lr 1e-4, weight decay 0.05, 36 epochs,
# batch 16, multi-scale training with the short side in 480..800 and the long side <= 1333.
# mmdet's VOC recipe repeats the data 3 times per epoch, so 12 epochs here are 36 passes
# (lr steps at 27 and 33 passes, the 3x schedule).
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
checkpoint_file = 'checkpoints/SLaK_tiny_checkpoint.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.SLaK',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[124, 249, 499, 998]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomChoiceResize',
         scales=[(1333, 480), (1333, 512), (1333, 544), (1333, 576), (1333, 608), (1333, 640),
                 (1333, 672), (1333, 704), (1333, 736), (1333, 768), (1333, 800)],
         keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
voc_root = 'data/VOCdevkit/'
train_dataloader = dict(dataset=dict(dataset=dict(datasets=[
    dict(type='VOCDataset', data_root=voc_root, ann_file='VOC2007/ImageSets/Main/trainval.txt',
         data_prefix=dict(sub_data_root='VOC2007/'),
         filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
         pipeline=train_pipeline),
    dict(type='VOCDataset', data_root=voc_root, ann_file='VOC2012/ImageSets/Main/trainval.txt',
         data_prefix=dict(sub_data_root='VOC2012/'),
         filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
         pipeline=train_pipeline)])))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[9, 11],
         gamma=0.1)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', prefix='backbone',
                     update_interval=None)]
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
