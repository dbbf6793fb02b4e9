# ADP-C, Table 2.4 "Inference-only": confidence adaptivity off in training and on
# at test time (HRNet-W48 + RH). Paper: mIoU 44.61 / 59.97 / 76.37 / 79.69 (65.16),
# GFLOPs 41.9 / 94.1 / 291.8 / 484.8 (228.1).
_base_ = ['./adpc_hrnet-w48_4xb3-120k_cityscapes-512x1024.py']

model = dict(adaptivity=dict(train=False, test=True))
