# Table 3.1, resnet34-B Scratch-E: the pruned architecture trained from scratch for
# the epochs of the unpruned model (90, lr steps [30, 60]).
_base_ = ['./l1-norm_resnet34_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet34-B'))
