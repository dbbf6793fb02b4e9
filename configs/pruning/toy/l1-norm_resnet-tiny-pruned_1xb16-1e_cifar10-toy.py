# Toy CIFAR-10 (data/cifar_toy: the real python-pickle batches, 32x32 single-shape scenes):
# inherits the Table 3.1 ResNet-56 config and shrinks the model (a 1-block-per-stage CIFAR
# ResNet with a pruned spec), batch and schedule. mmpretrain's CIFAR10 checks the md5 of the
# real files, so the toy data is read by mmvisarch.ToyCIFAR10 (the same reader, no md5).
_base_ = ['../l1-norm_resnet56_1xb64-160e_cifar10.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine',
                               'mmvisarch.datasets.toy.formats.cifar'],
                      allow_failed_imports=False)

model = dict(backbone=dict(
    arch=dict(_delete_=True, block='basic', depths=(1, 1, 1), channels=(8, 16, 32), stem='cifar', shortcut='A'),
    spec=dict(widths={'layer1.0.conv1': 4, 'layer3.0.conv1': 20})),
    head=dict(in_channels=32))
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(type='mmvisarch.ToyCIFAR10', data_root='data/cifar_toy'))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                      dataset=dict(type='mmvisarch.ToyCIFAR10', data_root='data/cifar_toy'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(milestones=[1])
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval=1))
