# Modernization roadmap, Table 4.10: inverting dimensions. Paper: 80.64 top-1, 4.64 GFLOPs.
_base_ = './r50-04-width-96_32xb128_in1k.py'

model = dict(backbone=dict(layout='inverted'), head=dict(in_channels=768))
