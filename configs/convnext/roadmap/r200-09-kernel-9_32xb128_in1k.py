# Modernization roadmap, Table 4.11: kernel size -> 9 (not adopted). Paper: 82.27 top-1, 14.95
# GFLOPs.
_base_ = './r200-08-kernel-7_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=9))
