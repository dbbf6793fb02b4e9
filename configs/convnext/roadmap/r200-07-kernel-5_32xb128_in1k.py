# Modernization roadmap, Table 4.11: kernel size -> 5. Paper: 82.32 top-1, 14.70 GFLOPs.
_base_ = './r200-06-dwconv-up_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=5))
