# Table 3.5, resnet32 Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.452 at 224px -> 145 epochs, lr steps [43, 86, 129]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py sss_resnet50_8xb32-100e_in1k.py --pruned-spec resnet50-sss-32 --mode B`).
_base_ = ['./sss_resnet50_8xb32-100e_in1k.py']
model = dict(backbone=dict(spec='resnet50-sss-32'))
param_scheduler = dict(milestones=[43, 86, 129])
train_cfg = dict(max_epochs=145)
