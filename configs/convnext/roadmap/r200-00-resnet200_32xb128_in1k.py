# Modernization roadmap, Table 4.11: ResNet-200 (enhanced recipe). Paper: 81.14 top-1, 15.01 GFLOPs.
# The ResNet-200 / Swin-B regime (Sec. 4.8): the ResNet-50 step with ResNet-200 depths and the
# drop path rate of ConvNeXt-B (0.5; the paper gives no per-step rates).
_base_ = './r50-00-resnet50_32xb128_in1k.py'

model = dict(backbone=dict(depths=(3, 24, 36, 3), drop_path_rate=0.5))
