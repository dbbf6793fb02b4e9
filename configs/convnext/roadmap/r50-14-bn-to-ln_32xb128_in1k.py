# Modernization roadmap, Table 4.10: BN -> LN. Paper: 81.47 top-1, 4.46 GFLOPs.
_base_ = './r50-13-fewer-norms_32xb128_in1k.py'

model = dict(backbone=dict(norm='LN'))
