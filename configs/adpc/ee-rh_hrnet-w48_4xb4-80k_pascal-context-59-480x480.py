# ADP-C, Table 2.5 "EE + RH (HRNet)": redesigned exits, D = 3 / 2 / 1, width 128.
_base_ = ['./ee_hrnet-w48_4xb4-80k_pascal-context-59-480x480.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=[256], num_downsamples=3),
    dict(_base_.exit_head, in_channels=[48, 96], num_downsamples=2),
    dict(_base_.exit_head, in_channels=[48, 96, 192], num_downsamples=1),
])
