# Toy ImageNet-style classifier (mmpretrain) on the embedded class folders
# (data/imagenet_toy: 64x64 images, 3 classes). Inherits the paper recipe (AdamW, warm-up +
# cosine, RandAugment, Mixup/CutMix, Random Erasing, label smoothing, EMA) and shrinks
# width/depth, resolution (224 -> 64), batch and epochs.
_base_ = '../convnext-t_32xb128_in1k.py'

data_root = 'data/imagenet_toy'
num_classes = 3
model = dict(
    backbone=dict(arch=dict(_delete_=True, depths=[1, 1, 2, 1], channels=[32, 64, 128, 256])),
    head=dict(in_channels=256, num_classes=num_classes))
data_preprocessor = dict(num_classes=num_classes)

bgr_mean = [103.53, 116.28, 123.675]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=73, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 data_prefix='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=1,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 data_prefix='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=1, end=max_epochs)
]
# The paper's EMA (0.9999 per iteration) averages over ~10k of its ~94k iterations; the toy
# schedule has 48, so the same horizon in proportion.
custom_hooks = [dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL')]
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
