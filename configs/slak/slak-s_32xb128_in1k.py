# SLaK-S, ImageNet-1K, 300 epochs (Table 3): 83.8 top-1, 55M / 9.8G sparse (91M / 16.7G dense).
# Drop path 0.4; prune-and-grow every 100 iterations at rate 0.3 (reference, anchors sec. 2).
_base_ = './slak-t_32xb128_in1k.py'

model = dict(backbone=dict(arch='small', drop_path_rate=0.4))
custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.4, init='snip', targets='all',
         update_interval=100, prune_rate=0.3),
]
