# Cascade Mask R-CNN 3x, SLaK-T (ImageNet-1K 300-epoch sparse init), Table 6: 51.3 box AP /
# 44.3 mask AP. Reference: VITA-Group/SLaK detection/configs/cascade_mask_rcnn_slak_tiny_patch4_
# window7_mstrain_480-800_giou_4conv1f_adamw_3x_coco_in1k.py: ConvNeXt-T's recipe (A.3) with
# the SLaK backbone: AdamW 2e-4, layer-wise lr decay 0.7 over 6 layers, drop path 0.4, 8x2
# images, plain fp32 training. Head, multi-scale + crop augmentation and the 36-epoch schedule
# come from our ConvNeXt-T config (mmdet base).
_base_ = '../convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py'  # noqa

checkpoint_file = 'checkpoints/SLaK_tiny_checkpoint.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.SLaK',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[124, 249, 499, 998]))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(decay_rate=0.7, decay_type='layer_wise', num_layers=6))
custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', prefix='backbone',
                     update_interval=None)]
