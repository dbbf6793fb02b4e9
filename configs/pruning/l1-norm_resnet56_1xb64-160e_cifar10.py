# Unpruned CIFAR-10 ResNet-56 of Table 3.1 (dissertation Sec. 3.5.1; Li et al. 2017):
# 160 epochs, batch 64, lr 0.1 divided by 10 at epochs 80 and 120, weight decay 1e-4
# (the recipe of https://github.com/Eric-mingjie/rethinking-network-pruning).
_base_ = [
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedResNet', arch='cifar_resnet56'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[80, 120], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=160, val_interval=10)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
