# Modernization roadmap, Table 4.10: separate d.s. conv (= ConvNeXt-T). Paper: 81.97 top-1, 4.49
# GFLOPs.
_base_ = './r50-14-bn-to-ln_32xb128_in1k.py'

model = dict(backbone=dict(separate_downsample=True))
