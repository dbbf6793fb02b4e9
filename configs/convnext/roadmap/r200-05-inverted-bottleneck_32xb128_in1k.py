# Modernization roadmap, Table 4.11: inverting dimensions. Paper: 82.64 top-1, 15.68 GFLOPs.
_base_ = './r200-04-width-128_32xb128_in1k.py'

model = dict(backbone=dict(layout='inverted'), head=dict(in_channels=1024))
