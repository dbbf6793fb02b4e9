# Table 3.1, resnet110-A Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.188 at 32px -> 190 epochs, lr steps [95, 142]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet110_1xb64-160e_cifar10.py --pruned-spec cifar-resnet110-A --mode B`).
_base_ = ['./l1-norm_resnet110_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet110-A'))
param_scheduler = dict(milestones=[95, 142])
train_cfg = dict(max_epochs=190)
