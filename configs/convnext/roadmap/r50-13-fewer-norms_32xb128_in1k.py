# Modernization roadmap, Table 4.10: fewer norms. Paper: 81.41 top-1, 4.15 GFLOPs.
_base_ = './r50-12-fewer-activations_32xb128_in1k.py'

model = dict(backbone=dict(single_norm=True))
