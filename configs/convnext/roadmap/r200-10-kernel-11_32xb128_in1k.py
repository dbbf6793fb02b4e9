# Modernization roadmap, Table 4.11: kernel size -> 11 (not adopted). Paper: 82.18 top-1, 15.13
# GFLOPs.
_base_ = './r200-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=11))
