# Table 3.5, resnet26 Scratch-E: the pruned architecture trained from scratch for
# the epochs of the unpruned model (100, lr steps [30, 60, 90]).
_base_ = ['./sss_resnet50_8xb32-100e_in1k.py']
model = dict(backbone=dict(spec='resnet50-sss-26'))
