# Toy ADP-C pose (EE + RH + CA) for tests: the W32 MPII recipe shrunk to a tiny
# HRNet, 64x64 inputs (16x16 heatmaps), 2 epochs of data/mpii_toy, adaptivity
# from epoch 1.
_base_ = ['../adpc_hrnet-w32_4xb32-210e_mpii-256x256.py']

codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
exit_head = dict(_base_.exit_head, channels=16, decoder=codec)
model = dict(
    backbone=dict(init_cfg=None, extra=dict(
        stage1=dict(num_blocks=(1, ), num_channels=(8, )),
        stage2=dict(num_blocks=(1, 1), num_channels=(8, 16)),
        stage3=dict(num_modules=1, num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
        stage4=dict(num_modules=1, num_blocks=(1, 1, 1, 1), num_channels=(8, 16, 32, 64)))),
    exit_heads=[
        dict(exit_head, in_channels=32, num_downsamples=3),
        dict(exit_head, in_channels=8, num_downsamples=2),
        dict(exit_head, in_channels=8, num_downsamples=1),
    ],
    head=dict(exit_head, _delete_=True, in_channels=8),
    # A higher threshold than 0.002 so that the barely trained toy model masks something.
    adaptivity=dict(threshold=0.05))

data_root = 'data/mpii_toy/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_prob=0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=val_pipeline,
                                   headbox_file=data_root + 'annotations/mpii_gt_val.mat'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=2, milestones=[1], gamma=0.1,
                        by_epoch=True)]
custom_hooks = [dict(type='mmvisarch.AdaptivityWarmupHook', start_epoch=1)]
default_hooks = dict(logger=dict(interval=5))
