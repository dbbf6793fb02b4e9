# ADP-C, Figure 2.3 (middle) "EE + RH": redesigned exits (D = 3 / 2 / 1), width 64.
_base_ = ['./ee_hrnet-w18s_4xb3-120k_cityscapes-512x1024.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=[256], channels=64, num_downsamples=3),
    dict(_base_.exit_head, in_channels=[18, 36], channels=64, num_downsamples=2),
    dict(_base_.exit_head, in_channels=[18, 36, 72], channels=64, num_downsamples=1),
])
