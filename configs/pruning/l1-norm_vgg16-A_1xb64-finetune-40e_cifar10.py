# Table 3.1, vgg16-A Fine-tuned: prune the trained unpruned model with L1-norm
# filter pruning, then train 40 epochs at the lowest lr of its schedule (0.001):
#   python tools/pruning/prune_structured.py \
#       configs/pruning/l1-norm_vgg16_1xb64-160e_cifar10.py CKPT \
#       --method l1 --preset cifar-vgg16-A \
#       --out work_dirs/l1-norm_vgg16-A_pruned
_base_ = ['./l1-norm_vgg16_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-vgg16-A'), head=dict(in_channels=256))
load_from = 'work_dirs/l1-norm_vgg16-A_pruned/pruned.pth'
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = []
train_cfg = dict(max_epochs=40)
