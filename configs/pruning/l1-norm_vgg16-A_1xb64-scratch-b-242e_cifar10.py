# Table 3.1, vgg16-A Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.519 at 32px -> 242 epochs, lr steps [121, 182]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_vgg16_1xb64-160e_cifar10.py --pruned-spec cifar-vgg16-A --mode B`).
_base_ = ['./l1-norm_vgg16_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-vgg16-A'), head=dict(in_channels=256))
param_scheduler = dict(milestones=[121, 182])
train_cfg = dict(max_epochs=242)
