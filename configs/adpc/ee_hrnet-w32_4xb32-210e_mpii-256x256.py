# ADP-C, Table 2.2 "EE (HRNet)": HRNet-W32 on MPII with early exits after
# stages 1-3; every exit is the standard 1x1 conv pose head on the
# highest-resolution branch. Recipe (Sec. 2.4.3): 256x256, Adam 1e-3, 210
# epochs, x0.1 at 170 / 200, batch 128, flip test.
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py']

exit_head = dict(type='mmvisarch.ADPCHeatmapExitHead', out_channels=16, channels=64,
                 num_downsamples=0, loss=dict(type='KeypointMSELoss', use_target_weight=True),
                 decoder=_base_.codec)
model = dict(
    type='mmvisarch.AnytimeTopdownPoseEstimator',
    # mmseg's HRNet (same module names as mmpose's); one output branch as the pose head uses.
    backbone=dict(type='mmvisarch.AnytimeHRNet', multiscale_output=False),
    exit_heads=[
        dict(exit_head, in_channels=256),
        dict(exit_head, in_channels=32),
        dict(exit_head, in_channels=32),
    ],
    head=dict(exit_head, _delete_=True, in_channels=32),
    exit_weights=(1.0, 1.0, 1.0, 1.0))

# The HRNet pose reference uses Adam without weight decay at lr 1e-3.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
auto_scale_lr = dict(base_batch_size=128)
train_dataloader = dict(batch_size=32)
val_evaluator = dict(_delete_=True, type='mmvisarch.AnytimeMetric', num_exits=4,
                     pred_key='pred_instances', metric=dict(type='mmpose.MpiiPCKAccuracy'))
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook', save_best='PCK', rule='greater'))  # PCKh@0.5, last exit
