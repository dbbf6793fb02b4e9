# Table 3.6, PreResNet-110 with 80% of its conv weights pruned, fine-tuned with fixed masks.
_base_ = ['./magnitude_preresnet110_1xb64-160e_cifar10.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
load_from = 'work_dirs/magnitude_preresnet110-80/masked.pth'
custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.8, update_interval=None,
                     prefix='backbone')]
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = []
train_cfg = dict(max_epochs=40)
