# Modernization roadmap, Table 4.11: kernel size -> 7. Paper: 82.30 top-1, 14.81 GFLOPs.
_base_ = './r200-07-kernel-5_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=7))
