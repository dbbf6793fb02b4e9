# Unstructured magnitude pruning (Table 3.6), unpruned CIFAR-10 PreResNet-110; prune with
#   python tools/pruning/prune_magnitude.py THIS_CONFIG CKPT --sparsity 0.8 --input-size 32 \
#       --out work_dirs/magnitude_preresnet110-80/masked.pth
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(arch='cifar_preresnet110'))
