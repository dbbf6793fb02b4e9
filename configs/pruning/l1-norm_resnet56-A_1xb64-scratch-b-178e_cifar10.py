# Table 3.1, resnet56-A Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.116 at 32px -> 178 epochs, lr steps [89, 133]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet56_1xb64-160e_cifar10.py --pruned-spec cifar-resnet56-A --mode B`).
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-resnet56-A'))
param_scheduler = dict(milestones=[89, 133])
train_cfg = dict(max_epochs=178)
