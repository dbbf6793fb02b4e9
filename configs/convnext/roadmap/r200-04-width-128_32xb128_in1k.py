# Modernization roadmap, Table 4.11: increase width 84 -> 128. Paper: 81.85 top-1, 16.76 GFLOPs.
_base_ = './r200-03-depthwise-conv_32xb128_in1k.py'

model = dict(backbone=dict(width=128), head=dict(in_channels=4096))
