# Toy ADP-C (EE + RH + CA) for tests: the W18-Small recipe shrunk to a tiny
# HRNet (widths 8/16/32/64, one block per branch), 20 iterations, batch 2,
# 64x128 crops of data/cityscapes_toy (128x256 images, 19 real train ids).
_base_ = ['../adpc_hrnet-w18s_4xb3-120k_cityscapes-512x1024.py']

norm_cfg = dict(type='BN', requires_grad=True)
exit_head = dict(_base_.exit_head, channels=16, norm_cfg=norm_cfg,
                 loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
crop_size = (64, 128)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg, extra=dict(
        stage1=dict(num_blocks=(1, ), num_channels=(8, )),
        stage2=dict(num_blocks=(1, 1), num_channels=(8, 16)),
        stage3=dict(num_modules=1, num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
        stage4=dict(num_modules=1, num_blocks=(1, 1, 1, 1), num_channels=(8, 16, 32, 64)))),
    exit_heads=[
        dict(exit_head, in_channels=[32], num_downsamples=3),
        dict(exit_head, in_channels=[8, 16], num_downsamples=2),
        dict(exit_head, in_channels=[8, 16, 32], num_downsamples=1),
    ],
    decode_head=dict(exit_head, _delete_=True, in_channels=[8, 16, 32, 64]),
    # A lower threshold than 0.998 so that a barely trained toy model masks something.
    adaptivity=dict(threshold=0.6))

data_root = 'data/cityscapes_toy'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(256, 128), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
max_iters = 20
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                        by_epoch=False)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=max_iters))
