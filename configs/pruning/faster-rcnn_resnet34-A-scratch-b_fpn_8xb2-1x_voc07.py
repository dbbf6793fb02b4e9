# Table 3.12, ResNet-34-A Scratch-B: the pruned architecture trained from scratch on ImageNet
# (l1-norm_resnet34-A_8xb32-scratch-b-106e_in1k.py), then transferred to detection.
_base_ = ['./faster-rcnn_resnet34_fpn_8xb2-1x_voc07.py']
model = dict(backbone=dict(
    spec='resnet34-A',
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint='work_dirs/l1-norm_resnet34-A_8xb32-scratch-b-106e_in1k/epoch_106.pth')))
