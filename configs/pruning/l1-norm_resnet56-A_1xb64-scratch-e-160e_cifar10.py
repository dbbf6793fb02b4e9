# Table 3.1, resnet56-A Scratch-E: the pruned architecture trained from scratch for
# the epochs of the unpruned model (160, lr steps [80, 120]).
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet56-A'))
