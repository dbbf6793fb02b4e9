# Unpruned CIFAR-10 ResNet-110 of Table 3.1 (same recipe as ResNet-56).
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(arch='cifar_resnet110'))
