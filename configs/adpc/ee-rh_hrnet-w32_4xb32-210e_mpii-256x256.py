# ADP-C, Table 2.2 "EE + RH (HRNet)": encoder-decoder exits (D = 3 / 2 / 1), width 64.
_base_ = ['./ee_hrnet-w32_4xb32-210e_mpii-256x256.py']

model = dict(exit_heads=[
    dict(_base_.exit_head, in_channels=256, num_downsamples=3),
    dict(_base_.exit_head, in_channels=32, num_downsamples=2),
    dict(_base_.exit_head, in_channels=32, num_downsamples=1),
])
