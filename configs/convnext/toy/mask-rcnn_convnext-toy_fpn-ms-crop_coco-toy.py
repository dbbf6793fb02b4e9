# Toy Mask R-CNN on the embedded toy COCO (data/coco_toy, 128x128 scenes of 3 shape classes).
# Inherits the paper config and shrinks only what a 2-core CPU needs: backbone/neck width and
# depth, image scale (x0.16 of 800), batch, schedule. Trained from scratch (no download), so the
# lr is raised; fp32 instead of AMP (CPU).
_base_ = '../mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py'

data_root = 'data/coco_toy/'
metainfo = dict(classes=('square', 'circle', 'triangle'),
                palette=[(220, 40, 40), (40, 200, 40), (40, 70, 230)])
width = 64

model = dict(
    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 2, 1], channels=[32, 64, 128, 256]),
                  drop_path_rate=0.1, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(in_channels=width, fc_out_channels=256, num_classes=3),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(in_channels=width, conv_out_channels=width, num_classes=3)),
    # Scenes hold <= 3 objects: sample fewer proposals and RoIs than COCO's defaults (the mask
    # head's cost grows with the number of positive RoIs).
    train_cfg=dict(rpn_proposal=dict(nms_pre=300, max_per_img=100),
                   rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100)))

# The paper's multi-scale + crop-resize augmentation, scaled from 800 px to 128 px.
scales = [(77, 213), (82, 213), (87, 213), (92, 213), (97, 213), (102, 213), (108, 213),
          (113, 213), (118, 213), (123, 213), (128, 213)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomChoice', transforms=[
        [dict(type='RandomChoiceResize', scales=scales, keep_ratio=True)],
        [dict(type='RandomChoiceResize', scales=[(64, 213), (80, 213), (96, 213)],
              keep_ratio=True),
         dict(type='RandomCrop', crop_type='absolute_range', crop_size=(61, 96),
              allow_negative_crop=True),
         dict(type='RandomChoiceResize', scales=scales, keep_ratio=True)]]),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(213, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=1,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline,
                 filter_cfg=dict(filter_empty_gt=True, min_size=8)))
val_dataloader = dict(
    batch_size=4, num_workers=1,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[6, 7],
         gamma=0.1)
]
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
