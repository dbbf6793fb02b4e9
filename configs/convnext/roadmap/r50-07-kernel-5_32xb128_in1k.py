# Modernization roadmap, Table 4.10: kernel size -> 5. Paper: 80.35 top-1, 4.10 GFLOPs.
_base_ = './r50-06-dwconv-up_32xb128_in1k.py'

model = dict(backbone=dict(kernel_size=5))
