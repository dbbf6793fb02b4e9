# Modernization roadmap, Table 4.11: fewer norms. Paper: 83.17 top-1, 14.81 GFLOPs.
_base_ = './r200-12-fewer-activations_32xb128_in1k.py'

model = dict(backbone=dict(single_norm=True))
