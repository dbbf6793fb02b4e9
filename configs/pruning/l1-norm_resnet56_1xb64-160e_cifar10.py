# Unpruned CIFAR-10 ResNet-56 of Table 3.1 (dissertation Sec. 3.5.1; Li et al. 2017):
# 160 epochs, batch 64, lr 0.1 divided by 10 at epochs 80 and 120, weight decay 1e-4
# (the recipe of https://github.com/Eric-mingjie/rethinking-network-pruning).
# Set backbone option_a_detach=True for the reference's gradient-free option-A shortcut
# (README.md, "Option-A shortcut").
_base_ = ['./_base_/cifar10_bs64_160e.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedResNet', arch='cifar_resnet56'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
