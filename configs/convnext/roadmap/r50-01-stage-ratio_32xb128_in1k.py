# Modernization roadmap, Table 4.10: stage ratio (3, 3, 9, 3). Paper: 79.36 top-1, 4.53 GFLOPs.
_base_ = './r50-00-resnet50_32xb128_in1k.py'

model = dict(backbone=dict(depths=(3, 3, 9, 3)))
