# Unstructured magnitude pruning (Table 3.6), unpruned CIFAR-10 VGG-19. Prune a trained model
# (fraction of all conv weights, one global threshold):
#   python tools/pruning/prune_magnitude.py THIS_CONFIG CKPT --sparsity 0.8 --input-size 32 \
#       --out work_dirs/magnitude_vgg19-80/masked.pth
# and fine-tune it with magnitude_vgg19-80_1xb64-finetune-40e_cifar10.py.
_base_ = ['./l1-norm_vgg16_1xb64-160e_cifar10.py']
model = dict(backbone=dict(arch='vgg19'))
