# ADP-C, Table 2.1 "EE (HRNet)": HRNet-W48 with early exits after stages 1-3
# using the original HRNet head (1x1 conv-BN-ReLU, 1x1 classifier).
# Recipe (Sec. 2.4.3): SGD 0.01 / 0.9 / 5e-4, poly 0.9, batch 12 (4 GPUs x 3),
# crop 512x1024, multi-scale + flip, 484 epochs (= 120k iterations at 2975
# images / 12 per iteration), single-scale whole-image test at 1024x2048.
_base_ = ['mmseg::hrnet/fcn_hr48_4xb2-160k_cityscapes-512x1024.py']

norm_cfg = dict(type='SyncBN', requires_grad=True)
# Class weights of the HRNet Cityscapes recipe the paper follows.
class_weight = [0.8373, 0.918, 0.866, 1.0345, 1.0166, 0.9969, 0.9754, 1.0489, 0.8786, 1.0023,
                0.9539, 0.9843, 1.1116, 0.9037, 1.0865, 1.0955, 1.0865, 1.1529, 1.0507]
loss_decode = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                   class_weight=class_weight)
exit_head = dict(type='mmvisarch.ADPCExitHead', channels=128, num_downsamples=0, num_classes=19,
                 dropout_ratio=-1, norm_cfg=norm_cfg, align_corners=False,
                 loss_decode=loss_decode)
model = dict(
    type='mmvisarch.AnytimeEncoderDecoder',
    backbone=dict(type='mmvisarch.AnytimeHRNet'),
    exit_heads=[
        dict(exit_head, in_channels=[256]),
        dict(exit_head, in_channels=[48, 96]),
        dict(exit_head, in_channels=[48, 96, 192]),
    ],
    decode_head=dict(exit_head, _delete_=True, in_channels=[48, 96, 192, 384]),
    exit_weights=(1.0, 1.0, 1.0, 1.0))

train_dataloader = dict(batch_size=3)
max_iters = 120000
train_cfg = dict(max_iters=max_iters, val_interval=8000)
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                        by_epoch=False)]
val_evaluator = dict(_delete_=True, type='mmvisarch.AnytimeMetric', num_exits=4,
                     pred_key='pred_sem_seg',
                     metric=dict(type='mmseg.IoUMetric', iou_metrics=['mIoU']))
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook', interval=8000, save_best='mIoU'))
