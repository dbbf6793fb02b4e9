# Table 3.1, vgg16-A Scratch-B: the unpruned model's computation budget; FLOPs ratio of the
# whole models (reference compute_flops.py counting) 1.5190 at 32px -> int(160 * 1.5190) = 243
# epochs, lr steps [int(243 * 0.5), int(243 * 0.75)] = [121, 182] as the reference's main_B.py
# (mmvisarch.pruning.budget;
#  `tools/pruning/scratch_budget.py l1-norm_vgg16_1xb64-160e_cifar10.py --pruned-spec cifar-vgg16-A --mode B`).
_base_ = ['./l1-norm_vgg16_1xb64-160e_cifar10.py']
model = dict(backbone=dict(spec='cifar-vgg16-A'), head=dict(in_channels=256))
param_scheduler = dict(milestones=[121, 182])
train_cfg = dict(max_epochs=243)
