# Modernization roadmap, Table 4.11: ReLU -> GELU. Paper: 82.19 top-1, 14.81 GFLOPs.
_base_ = './r200-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(act='GELU'))
