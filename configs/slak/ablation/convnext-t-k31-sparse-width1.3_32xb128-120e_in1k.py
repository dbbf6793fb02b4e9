# Table 2 "Sparse groups, expand more width": the sparse 31, 29, 27, 13 model 1.3x wider
# (= SLaK-T with these kernels), 120 epochs: 81.5 top-1, 30M, 4.8G (nonzero counts).
_base_ = './convnext-t-k31-sparse_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(channels=[124, 249, 499, 998])), head=dict(in_channels=998))
