# Table 1 "Naive": ConvNeXt-T with its depthwise kernels enlarged to 61, 59, 57, 13
# (no small kernel, no BN, no decomposition), 120 epochs: 80.3 top-1, 43M, 11.6G.
_base_ = './convnext-t-k61-decomposed_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(small_kernel=None), decomposed=False, with_norm=False))
