# Toy version of the Table 1 fine-tuning configs: the pruned toy seed fine-tuned with fixed masks
# and the smoothed held-out-loss early stopping (a loose tol so the toy run stops before max_epochs).
_base_ = ['./fbnetv3-tiny_1xb16-1e_cifar10-toy.py']
load_from = 'work_dirs/fbnetv3-toy/masked.pth'
custom_hooks = [
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.0, update_interval=None,
         dense_threshold=1.0),
    dict(type='mmvisarch.ValLossEarlyStoppingHook', tol=0.5),
]
optim_wrapper = dict(optimizer=dict(lr=8e-5))
param_scheduler = []
train_cfg = dict(max_epochs=4, val_interval=1)
