# Table 3.1, resnet56-B Fine-tuned: prune the trained unpruned model with L1-norm
# filter pruning, then train 40 epochs at the lowest lr of its schedule (0.001):
#   python tools/pruning/prune_structured.py \
#       configs/pruning/l1-norm_resnet56_1xb64-160e_cifar10.py CKPT \
#       --method l1 --preset cifar-resnet56-B \
#       --out work_dirs/l1-norm_resnet56-B_pruned
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet56-B'))
load_from = 'work_dirs/l1-norm_resnet56-B_pruned/pruned.pth'
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = []
train_cfg = dict(max_epochs=40)
