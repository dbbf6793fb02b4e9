# ADP-C, Figure 2.5 (left): downsampling strategy D = 1 / 1 / 1 at exits 1 / 2 / 3
# (the default is D = N - i = 3 / 2 / 1), HRNet-W18-Small.
_base_ = ['./adpc_hrnet-w18s_4xb3-120k_cityscapes-512x1024.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=[256], channels=64, num_downsamples=1),
    dict(_base_.exit_head, in_channels=[18, 36], channels=64, num_downsamples=1),
    dict(_base_.exit_head, in_channels=[18, 36, 72], channels=64, num_downsamples=1),
])
