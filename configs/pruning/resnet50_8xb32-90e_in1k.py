# Unpruned ImageNet ResNet-50 of Tables 3.2 and 3.3 (90 epochs, step 30).
_base_ = ['./l1-norm_resnet34_8xb32-90e_in1k.py']
model = dict(backbone=dict(arch='resnet50'), head=dict(in_channels=2048))
