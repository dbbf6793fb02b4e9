# Table 3.12 (dissertation Sec. 3.8; Liu et al. 2019 Sec. 5): Faster R-CNN on PASCAL VOC 2007
# trainval -> test, ImageNet-pretrained ResNet-34. The paper used the code of Yang et al.
# (faster-rcnn.pytorch); here mmdet's VOC recipe with FPN, trained on VOC 2007 only.
_base_ = ['mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py']
custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True, type='mmvisarch.PrunedResNet', arch='resnet34',
        out_indices=(0, 1, 2, 3), frozen_stages=1, norm_eval=True,
        norm_cfg=dict(type='BN', requires_grad=True),
        # torchvision's ResNet-34 keys are PrunedResNet's keys
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')),
    neck=dict(in_channels=[64, 128, 256, 512]))

data_root = 'data/VOCdevkit/'
train_dataloader = dict(
    dataset=dict(
        type='RepeatDataset', times=3,
        dataset=dict(
            _delete_=True, type='VOCDataset', data_root=data_root,
            ann_file='VOC2007/ImageSets/Main/trainval.txt',
            data_prefix=dict(sub_data_root='VOC2007/'),
            filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
            pipeline={{_base_.train_pipeline}})))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
