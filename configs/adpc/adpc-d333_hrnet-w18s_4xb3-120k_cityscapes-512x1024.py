# ADP-C, Figure 2.5 (left): downsampling strategy D = 3 / 3 / 3 at exits 1 / 2 / 3.
_base_ = ['./adpc_hrnet-w18s_4xb3-120k_cityscapes-512x1024.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=[256], channels=64, num_downsamples=3),
    dict(_base_.exit_head, in_channels=[18, 36], channels=64, num_downsamples=3),
    dict(_base_.exit_head, in_channels=[18, 36, 72], channels=64, num_downsamples=3),
])
