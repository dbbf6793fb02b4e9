# Unstructured magnitude pruning (Table 3.6), unpruned CIFAR-10 PreResNet-110: the reference's
# pre-activation Bottleneck network, 12 blocks per stage (cifar/weight-level/models/cifar/
# preresnet.py, n = (110 - 2) // 9), 1,146,842 parameters on CIFAR-10. Prune with
#   python tools/pruning/prune_magnitude.py THIS_CONFIG CKPT --sparsity 0.8 --input-size 32 \
#       --out work_dirs/magnitude_preresnet110-80/masked.pth
_base_ = ['./_base_/cifar10_bs64_160e.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedResNet', arch='cifar_preresnet110'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=256,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
