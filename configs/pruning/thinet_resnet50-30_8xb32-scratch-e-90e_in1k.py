# Table 3.2, resnet50-30 Scratch-E: the pruned architecture trained from scratch for
# the epochs of the unpruned model (90, lr steps [30, 60]).
_base_ = ['./resnet50_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet50-thinet-30', downsample_bias=True))
