# Table 3.6, VGG-19 with 80% of its conv weights pruned, fine-tuned 40 epochs at the lowest lr of
# the large model's schedule. The masks stay fixed: mmvisarch.DynamicSparsityHook derives them
# from the zeros of the loaded weights and, with update_interval=None, never regrows them.
_base_ = ['./magnitude_vgg19_1xb64-160e_cifar10.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
load_from = 'work_dirs/magnitude_vgg19-80/masked.pth'
custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.8, update_interval=None,
                     prefix='backbone')]
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = []
train_cfg = dict(max_epochs=40)
