# Table 3.2, resnet50-70 Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.569 at 224px -> 141 epochs, lr steps [47, 94]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py resnet50_8xb32-90e_in1k.py --pruned-spec resnet50-thinet-70 --mode B`).
_base_ = ['./resnet50_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet50-thinet-70', downsample_bias=True))
param_scheduler = dict(milestones=[47, 94])
train_cfg = dict(max_epochs=141)
