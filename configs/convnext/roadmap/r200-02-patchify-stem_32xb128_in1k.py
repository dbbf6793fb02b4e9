# Modernization roadmap, Table 4.11: "patchify" stem. Paper: 81.59 top-1, 14.38 GFLOPs.
_base_ = './r200-01-stage-ratio-width-84_32xb128_in1k.py'

model = dict(backbone=dict(stem='patchify'))
