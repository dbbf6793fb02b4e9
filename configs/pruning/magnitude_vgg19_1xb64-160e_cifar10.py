# Unstructured magnitude pruning (Table 3.6), unpruned CIFAR-10 VGG-19: the reference's vgg19_bn
# (cifar/weight-level/models/cifar/vgg.py): convs with a bias before each BN, a 2x2 average pool
# and Linear(512, classes) (20,040,522 parameters on CIFAR-10). Prune a trained model
# (fraction of all conv weights, one global threshold):
#   python tools/pruning/prune_magnitude.py THIS_CONFIG CKPT --sparsity 0.8 --input-size 32 \
#       --out work_dirs/magnitude_vgg19-80/masked.pth
# and fine-tune it with magnitude_vgg19-80_1xb64-finetune-40e_cifar10.py.
_base_ = ['./_base_/cifar10_bs64_160e.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmvisarch.PrunedVGG', arch='vgg19', conv_bias=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
