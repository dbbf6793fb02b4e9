# Toy UperNet + SLaK on the embedded toy ADE20K (data/ade_toy: 96x128 scenes whose shapes carry
# real ADE20K label ids, so the 150-class metainfo and head apply unchanged).
# Inherits the SLaK-T 160k config; shrinks width/depth/kernels, crop (512 -> 64), schedule and
# batch; BN instead of SyncBN (one CPU process); trained from scratch, so the fixed-mask
# sparsity hook draws SNIP masks on the first batch instead of reading a checkpoint's zeros.
_base_ = '../upernet_slak-t_4xb4-160k_ade20k-512x512.py'

data_root = 'data/ade_toy'
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 2, 1], channels=[16, 32, 48, 64],
                            kernel_sizes=[13, 11, 9, 7], small_kernel=3),
                  drop_path_rate=0.1, norm_cfg=norm_cfg, init_cfg=None),
    decode_head=dict(in_channels=[16, 32, 48, 64], channels=32, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=48, channels=16, norm_cfg=norm_cfg),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(43, 43)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(256, 64), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 64), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

max_iters = 6
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=2),
    dict(type='PolyLR', power=1.0, begin=2, end=max_iters, eta_min=0.0, by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=2),
                     checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
