# Table 3.1, resnet110-B Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.626 at 32px -> 260 epochs, lr steps [130, 195]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet110_1xb64-160e_cifar10.py --pruned-spec cifar-resnet110-B --mode B`).
_base_ = ['./l1-norm_resnet110_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet110-B'))
param_scheduler = dict(milestones=[130, 195])
train_cfg = dict(max_epochs=260)
