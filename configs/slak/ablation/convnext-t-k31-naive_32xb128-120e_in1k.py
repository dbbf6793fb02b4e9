# Table 1 "Naive": ConvNeXt-T with its depthwise kernels enlarged to 31, 29, 27, 13
# (no small kernel, no BN, no decomposition), 120 epochs: 80.5 top-1, 32M, 6.5G.
_base_ = './convnext-t-k31-decomposed_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(small_kernel=None), decomposed=False, with_norm=False))
