# Table 3.2, resnet50-30 Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 3.477 at 224px -> 180 epochs, lr steps [60, 120]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py resnet50_8xb32-90e_in1k.py --pruned-spec resnet50-thinet-30 --mode B`).
_base_ = ['./resnet50_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet50-thinet-30', downsample_bias=True))
param_scheduler = dict(milestones=[60, 120])
train_cfg = dict(max_epochs=180)
