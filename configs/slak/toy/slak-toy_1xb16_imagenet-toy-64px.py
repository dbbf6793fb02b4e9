# Toy SLaK classifier (mmpretrain) with dynamic sparsity on the embedded class folders
# (data/imagenet_toy: 64x64 images, 3 classes). Inherits the SLaK-T recipe and shrinks width,
# depth and kernels (51-49-47-13 -> 13-11-9-7 at 64 px), batch and schedule (iteration-based,
# prune-and-grow every 4 iterations); BN instead of SyncBN (one CPU process).
_base_ = '../slak-t_32xb128_in1k.py'

data_root = 'data/imagenet_toy'
num_classes = 3
model = dict(
    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 2, 1], channels=[16, 32, 48, 64],
                            kernel_sizes=[13, 11, 9, 7], small_kernel=3),
                  norm_cfg=dict(type='BN', requires_grad=True)),
    head=dict(in_channels=64, num_classes=num_classes))
data_preprocessor = dict(num_classes=num_classes)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=73, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 data_prefix='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 data_prefix='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

max_iters = 12
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=2, end=max_iters)
]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.4, init='snip', targets='all',
         update_interval=4, prune_rate=0.5),
]
default_hooks = dict(logger=dict(interval=2),
                     checkpoint=dict(by_epoch=False, interval=4, max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
