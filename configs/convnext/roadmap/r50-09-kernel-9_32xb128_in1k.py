# Modernization roadmap, Table 4.10: kernel size -> 9 (not adopted). Paper: 80.57 top-1, 4.21
# GFLOPs.
_base_ = './r50-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=9))
