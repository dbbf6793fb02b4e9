# ADP-C, Figure 2.3 (middle) "EE": HRNet-W18 of the paper = HRNet-W18-Small-v2
# (mmseg hr18s), early exits with the original head; same recipe as W48.
_base_ = ['./ee_hrnet-w48_4xb3-120k_cityscapes-512x1024.py']

model = dict(
    pretrained='open-mmlab://msra/hrnetv2_w18_small',
    backbone=dict(extra=dict(
        stage1=dict(num_blocks=(2, )),
        stage2=dict(num_blocks=(2, 2), num_channels=(18, 36)),
        stage3=dict(num_modules=3, num_blocks=(2, 2, 2), num_channels=(18, 36, 72)),
        stage4=dict(num_modules=2, num_blocks=(2, 2, 2, 2), num_channels=(18, 36, 72, 144)))),
    exit_heads=[
        dict(_base_.exit_head, in_channels=[256], channels=64),
        dict(_base_.exit_head, in_channels=[18, 36], channels=64),
        dict(_base_.exit_head, in_channels=[18, 36, 72], channels=64),
    ],
    decode_head=dict(in_channels=[18, 36, 72, 144]))
