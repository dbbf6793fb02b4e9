# Modernization roadmap, Table 4.11: move up depthwise conv. Paper: 82.04 top-1, 14.63 GFLOPs.
_base_ = './r200-05-inverted-bottleneck_32xb128_in1k.py'

model = dict(backbone=dict(layout='inverted_dw_first'))
