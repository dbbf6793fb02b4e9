# Table 2 "Decomposed", 61-59-57-13: 81.4 top-1, 31M, 5.6G.
_base_ = './convnext-t-k51-decomposed_32xb128-120e_in1k.py'
model = dict(backbone=dict(arch=dict(kernel_sizes=[61, 59, 57, 13])))
