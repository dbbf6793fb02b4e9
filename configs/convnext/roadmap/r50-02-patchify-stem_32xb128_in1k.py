# Modernization roadmap, Table 4.10: "patchify" stem (4x4/4 conv). Paper: 79.51 top-1, 4.42 GFLOPs.
_base_ = './r50-01-stage-ratio_32xb128_in1k.py'

model = dict(backbone=dict(stem='patchify'))
