# Modernization roadmap, Table 4.10: fewer activations. Paper: 81.27 top-1, 4.15 GFLOPs.
_base_ = './r50-11-gelu_32xb128_in1k.py'

model = dict(backbone=dict(single_act=True))
