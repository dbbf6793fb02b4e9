# Table 2 "Decomposed", 31-29-27-13: 81.3 top-1, 30M, 5.0G.
_base_ = './convnext-t-k51-decomposed_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(kernel_sizes=[31, 29, 27, 13])))
