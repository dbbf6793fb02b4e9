# Unpruned ResNet-50 with the Sparse Structure Selection schedule of Table 3.5
# (100 epochs, lr steps at 30, 60, 90; the reference's cfgs.py).
_base_ = ['./resnet50_8xb32-90e_in1k.py']
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(max_epochs=100)
