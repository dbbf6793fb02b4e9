# Modernization roadmap, Table 4.11: BN -> LN. Paper: 83.35 top-1, 14.81 GFLOPs.
_base_ = './r200-13-fewer-norms_32xb128_in1k.py'

model = dict(backbone=dict(norm='LN'))
