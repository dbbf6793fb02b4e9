# The toy target network: the toy seed with narrower expansions (its FLOPs are the pruning target).
_base_ = ['./fbnetv3-tiny_1xb16-1e_cifar10-toy.py']
model = dict(backbone=dict(arch=dict(_delete_=True, blocks=[
    [('conv_k3', 8, 2, 1, 1, None)],
    [('ir_k3', 8, 1, 1, 1, None)],
    [('ir_k5_se', 16, 2, 1, 2, None), ('ir_k3', 16, 1, 1, 2, None)],
    [('ir_pool', 64, 1, 1, 2, None)],
])))
