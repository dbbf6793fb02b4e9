# Modernization roadmap, Table 4.11: separate d.s. conv (= ConvNeXt-B). Paper: 83.60 top-1, 15.35
# GFLOPs.
_base_ = './r200-14-bn-to-ln_32xb128_in1k.py'

model = dict(backbone=dict(separate_downsample=True))
