# Table 2 "Sparse groups": decomposed 51, 49, 47, 13 kernels trained with 40% dynamic sparsity
# (SNIP ratios, prune-and-grow), ConvNeXt-T widths, 120 ep, nonzero counts: 80.5 top-1, 18M, 3.1G
_base_ = './convnext-t-k51-decomposed_32xb128-120e_in1k.py'
custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.4, update_interval=2000,
         prune_rate=0.5),
]
