# UperNet 160k, SLaK-B, Table 4: 50.2 mIoU single-scale (reference README: 50.0), 135M params,
# 1172G FLOPs. Reference config: drop path 0.4, stage-wise lr decay 0.9 over 12 layers.
_base_ = './upernet_slak-t_4xb4-160k_ade20k-512x512.py'

checkpoint_file = 'checkpoints/SLaK_base_checkpoint.pth'
model = dict(
    backbone=dict(arch='base', drop_path_rate=0.4, init_cfg=dict(checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[166, 332, 665, 1331]),
    auxiliary_head=dict(in_channels=665))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))
