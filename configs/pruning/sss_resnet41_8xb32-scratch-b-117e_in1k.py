# Table 3.5, resnet41 Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.179 at 224px -> 117 epochs, lr steps [35, 70, 105]
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py sss_resnet50_8xb32-100e_in1k.py --pruned-spec resnet50-sss-41 --mode B`).
_base_ = ['./sss_resnet50_8xb32-100e_in1k.py']
model = dict(backbone=dict(spec='resnet50-sss-41'))
param_scheduler = dict(milestones=[35, 70, 105])
train_cfg = dict(max_epochs=117)
