# Toy FBNetV3 on data/cifar_toy (32x32): a 4-stage FBNetV3 with IRF, SE and ir_pool blocks, the
# seed of the toy prune-and-fine-tune run (tests/pruning/test_fbnetv3_pruning.py).
_base_ = ['../../pruning/toy/l1-norm_resnet-tiny-pruned_1xb16-1e_cifar10-toy.py']
tiny = dict(blocks=[
    [('conv_k3', 8, 2, 1, 1, None)],
    [('ir_k3', 8, 1, 1, 1, None)],
    [('ir_k5_se', 16, 2, 1, 4, None), ('ir_k3', 16, 1, 1, 3, None)],
    [('ir_pool', 64, 1, 1, 4, None)],
])
model = dict(backbone=dict(_delete_=True, type='mmvisarch.FBNetV3', arch=tiny),
             head=dict(in_channels=64))
