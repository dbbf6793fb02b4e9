# Table 3.1, resnet34-A Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.182 at 224px -> 106 epochs, lr steps [35, 70, 105] (main_B.py: lr * 0.1 ** (epoch // int(106 / 3)))
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet34_8xb32-90e_in1k.py --pruned-spec resnet34-A --mode B`).
_base_ = ['./l1-norm_resnet34_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet34-A'))
param_scheduler = dict(milestones=[35, 70, 105])
train_cfg = dict(max_epochs=106)
