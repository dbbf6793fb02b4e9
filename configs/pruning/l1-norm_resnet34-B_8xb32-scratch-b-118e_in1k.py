# Table 3.1, resnet34-B Scratch-B: the unpruned model's computation budget; FLOPs ratio
# unpruned/pruned 1.316 at 224px -> 118 epochs, lr steps [39, 78, 117] (main_B.py: lr * 0.1 ** (epoch // int(118 / 3)))
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_resnet34_8xb32-90e_in1k.py --pruned-spec resnet34-B --mode B`).
_base_ = ['./l1-norm_resnet34_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet34-B'))
param_scheduler = dict(milestones=[39, 78, 117])
train_cfg = dict(max_epochs=118)
