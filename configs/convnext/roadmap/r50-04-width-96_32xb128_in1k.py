# Modernization roadmap, Table 4.10: increase width 64 -> 96. Paper: 80.50 top-1, 5.27 GFLOPs.
_base_ = './r50-03-depthwise-conv_32xb128_in1k.py'

model = dict(backbone=dict(width=96), head=dict(in_channels=3072))
