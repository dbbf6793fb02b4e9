# Unpruned CIFAR-10 VGG-16 of Table 3.1: BN VGG without a pool after the last
# stage, classifier Linear(C, 512)-BN-ReLU-Linear(512, 10) as in the reference code.
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(
    backbone=dict(_delete_=True, type='mmvisarch.PrunedVGG', arch='vgg16'),
    head=dict(_delete_=True, type='StackedLinearClsHead', num_classes=10, in_channels=512,
              mid_channels=[512], norm_cfg=dict(type='BN1d'),
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
