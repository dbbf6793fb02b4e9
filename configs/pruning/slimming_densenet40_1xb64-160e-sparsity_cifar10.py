# Network Slimming (Table 3.4), step 1: CIFAR-10 DenseNet-40 (growth 12, no compression) trained
# with the L1 penalty 1e-5 on BN scales (cifar/network-slimming/main.py, --s 0.00001 for
# DenseNet), 160 epochs as the other CIFAR models; classifier Linear(456, classes). The network
# equals the reference's densenet(depth=40) without its channel_selection layers
# (1,059,298 parameters besides the selection indexes, which are all ones when unpruned).
# Pruning this model with --method slimming is not supported yet: the reference selects the
# dense layers' *input* channels (channel_selection), which a width spec cannot express (README).
_base_ = ['./_base_/cifar10_bs64_160e.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedDenseNet', arch='densenet40'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=456,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-5, module_prefix='backbone.')]
