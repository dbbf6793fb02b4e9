# ADP-C, Table 2.1 "EE + RH (HRNet)": redesigned encoder-decoder exits
# (Sec. 2.3.3), D = N - i = 3 / 2 / 1 pool-conv steps at exits 1 / 2 / 3,
# exit width 128; the final exit keeps the original HRNet head.
_base_ = ['./ee_hrnet-w48_4xb3-120k_cityscapes-512x1024.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=[256], num_downsamples=3),
    dict(_base_.exit_head, in_channels=[48, 96], num_downsamples=2),
    dict(_base_.exit_head, in_channels=[48, 96, 192], num_downsamples=1),
])
