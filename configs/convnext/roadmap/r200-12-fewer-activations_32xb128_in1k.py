# Modernization roadmap, Table 4.11: fewer activations. Paper: 82.71 top-1, 14.81 GFLOPs.
_base_ = './r200-11-gelu_32xb128_in1k.py'

model = dict(backbone=dict(single_act=True))
