# Cascade Mask R-CNN 1x (12 epochs, lr steps at 8 and 11), SLaK-T pre-trained 120 epochs,
# Table 6: 48.4 box AP / 41.8 mask AP (reference: ..._slak_tiny_120_..._3x_coco_in1k.py, which
# despite its name trains 12 epochs).
_base_ = './cascade-mask-rcnn_slak-t_fpn_4conv1fc-giou_ms-crop-3x_coco.py'

checkpoint_file = 'checkpoints/SLaK_tiny_120e_checkpoint.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=checkpoint_file)))
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11],
         gamma=0.1)
]
