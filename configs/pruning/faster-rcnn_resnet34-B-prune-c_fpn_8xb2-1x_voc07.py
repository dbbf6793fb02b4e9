# Table 3.12, ResNet-34-B Prune-C: pruned (L1-norm) and fine-tuned on ImageNet classification
# (l1-norm_resnet34-B_8xb32-finetune-20e_in1k.py), then transferred to detection.
_base_ = ['./faster-rcnn_resnet34_fpn_8xb2-1x_voc07.py']
model = dict(backbone=dict(
    spec='resnet34-B',
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint='work_dirs/l1-norm_resnet34-B_8xb32-finetune-20e_in1k/epoch_20.pth')))
