# Modernization roadmap, Table 4.11: stage ratio (3, 3, 27, 3) and width 64 -> 84. Paper: 81.33
# top-1, 14.52 GFLOPs.
_base_ = './r200-00-resnet200_32xb128_in1k.py'

model = dict(backbone=dict(depths=(3, 3, 27, 3), width=84), head=dict(in_channels=2688))
