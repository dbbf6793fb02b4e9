# Network Slimming (Table 3.4), step 1: train CIFAR-10 VGG-19 with the L1 penalty 1e-4 on BN
# scales. The network is the reference's (cifar/network-slimming/models/vgg.py): BN VGG-19, convs
# without bias, no pool after the last stage, a 2x2 average pool and one Linear(cfg[-1], classes)
# (20,035,018 parameters on CIFAR-10). Then prune 70% of the channels:
#   python tools/pruning/prune_structured.py THIS_CONFIG CKPT --method slimming --ratio 0.7 --out DIR
# and train DIR/config.py (fine-tune) or use tools/pruning/scratch_budget.py for Scratch-E/B.
_base_ = ['./_base_/cifar10_bs64_160e.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedVGG', arch='vgg19'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-4, module_prefix='backbone.')]
