# Modernization roadmap, Table 4.10: move up depthwise conv. Paper: 79.92 top-1, 4.07 GFLOPs.
_base_ = './r50-05-inverted-bottleneck_32xb128_in1k.py'

model = dict(backbone=dict(layout='inverted_dw_first'))
