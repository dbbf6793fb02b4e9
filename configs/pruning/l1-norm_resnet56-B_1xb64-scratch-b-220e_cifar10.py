# Table 3.1, resnet56-B Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.379 at 32px -> 220 epochs, lr steps [110, 165]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet56_1xb64-160e_cifar10.py --pruned-spec cifar-resnet56-B --mode B`).
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet56-B'))
param_scheduler = dict(milestones=[110, 165])
train_cfg = dict(max_epochs=220)
