# Table 1 "Naive": ConvNeXt-T with its depthwise kernels enlarged to 51, 49, 47, 13
# (no small kernel, no BN, no decomposition), 120 epochs: 80.4 top-1, 38M, 9.4G.
_base_ = './convnext-t-k51-decomposed_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(small_kernel=None), decomposed=False, with_norm=False))
