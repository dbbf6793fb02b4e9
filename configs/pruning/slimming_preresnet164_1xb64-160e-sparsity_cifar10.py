# Network Slimming (Table 3.4), step 1: CIFAR-10 PreResNet-164 trained with the L1 penalty 1e-5
# on BN scales. Then prune 40% or 60% of the (block-inner) channels:
#   python tools/pruning/prune_structured.py THIS_CONFIG CKPT --method slimming --ratio 0.4 --out DIR
# The reference also selects each block's input channels (channel_selection); the width spec
# prunes the inner convs only (see README.md).
_base_ = ['./_base_/cifar10_bs64_160e.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedResNet', arch='cifar_preresnet164'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=256,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-5, module_prefix='backbone.')]
