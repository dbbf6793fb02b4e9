# Modernization roadmap, Table 4.11: depthwise conv. Paper: 80.54 top-1, 7.23 GFLOPs.
_base_ = './r200-02-patchify-stem_32xb128_in1k.py'

model = dict(backbone=dict(depthwise=True))
