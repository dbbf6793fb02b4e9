# Modernization roadmap, Table 4.10: kernel size -> 7. Paper: 80.57 top-1, 4.15 GFLOPs.
_base_ = './r50-07-kernel-5_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=7))
