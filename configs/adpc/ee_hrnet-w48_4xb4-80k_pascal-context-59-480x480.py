# ADP-C, Table 2.5 "Early Exiting (HRNet)" on PASCAL-Context (59 classes):
# HRNet-W48 with the original head at every exit and exit weights
# (0.33, 0.33, 0.33, 1) ("increasing it to all 1 would hurt the final
# performance too much"). The schedule is mmseg's HRNet-W48 PASCAL-Context one
# (the paper gives none).
_base_ = ['mmseg::hrnet/fcn_hr48_4xb4-80k_pascal-context-59-480x480.py']

norm_cfg = dict(type='SyncBN', requires_grad=True)
exit_head = dict(type='mmvisarch.ADPCExitHead', channels=128, num_downsamples=0, num_classes=59,
                 dropout_ratio=-1, norm_cfg=norm_cfg, align_corners=False,
                 loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
model = dict(
    type='mmvisarch.AnytimeEncoderDecoder',
    backbone=dict(type='mmvisarch.AnytimeHRNet'),
    exit_heads=[
        dict(exit_head, in_channels=[256]),
        dict(exit_head, in_channels=[48, 96]),
        dict(exit_head, in_channels=[48, 96, 192]),
    ],
    decode_head=dict(exit_head, _delete_=True, in_channels=[48, 96, 192, 384]),
    exit_weights=(0.33, 0.33, 0.33, 1.0),
    # Anytime predictions are whole-image (the mmseg recipe slides).
    test_cfg=dict(_delete_=True, mode='whole'))
val_evaluator = dict(_delete_=True, type='mmvisarch.AnytimeMetric', num_exits=4,
                     pred_key='pred_sem_seg',
                     metric=dict(type='mmseg.IoUMetric', iou_metrics=['mIoU']))
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
