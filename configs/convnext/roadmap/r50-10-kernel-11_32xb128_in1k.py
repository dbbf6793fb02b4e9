# Modernization roadmap, Table 4.10: kernel size -> 11 (not adopted). Paper: 80.47 top-1, 4.29
# GFLOPs.
_base_ = './r50-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=11))
