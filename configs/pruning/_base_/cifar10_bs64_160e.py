# The CIFAR recipe shared by every method of "Rethinking the Value of Network Pruning"
# (https://github.com/Eric-mingjie/rethinking-network-pruning: l1-norm-pruning, network-slimming
# and weight-level main.py / cifar.py): 160 epochs, batch 64, SGD lr 0.1 momentum 0.9, weight
# decay 1e-4, lr / 10 at epochs 80 and 120. No model: each method's config defines its own network.
_base_ = [
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[80, 120], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=160, val_interval=10)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
