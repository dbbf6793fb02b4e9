# Modernization roadmap, Table 4.10: depthwise conv (ResNeXt-ify). Paper: 78.28 top-1, 2.35 GFLOPs.
_base_ = './r50-02-patchify-stem_32xb128_in1k.py'

model = dict(backbone=dict(depthwise=True))
