# Table 2 "Sparse groups, expand more width": the sparse 51, 49, 47, 13 model 1.3x wider
# (= SLaK-T with these kernels), 120 epochs: 81.6 top-1, 30M, 5.0G (nonzero counts).
_base_ = './convnext-t-k51-sparse_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(channels=[124, 249, 499, 998])), head=dict(in_channels=998))
