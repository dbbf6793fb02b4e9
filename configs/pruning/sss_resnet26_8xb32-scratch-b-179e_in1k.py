# Table 3.5, resnet26 Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.797 at 224px -> 179 epochs, lr steps [53, 106, 159]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py sss_resnet50_8xb32-100e_in1k.py --pruned-spec resnet50-sss-26 --mode B`).
_base_ = ['./sss_resnet50_8xb32-100e_in1k.py']
model = dict(backbone=dict(spec='resnet50-sss-26'))
param_scheduler = dict(milestones=[53, 106, 159])
train_cfg = dict(max_epochs=179)
