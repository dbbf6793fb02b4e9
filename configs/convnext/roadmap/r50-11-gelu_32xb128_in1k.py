# Modernization roadmap, Table 4.10: ReLU -> GELU. Paper: 80.62 top-1, 4.15 GFLOPs.
_base_ = './r50-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(act='GELU'))
