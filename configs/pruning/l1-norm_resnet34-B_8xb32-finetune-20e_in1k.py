# Table 3.1, resnet34-B Fine-tuned: prune the trained unpruned model with L1-norm
# filter pruning, then train 20 epochs at the lowest lr of its schedule (0.001):
#   python tools/pruning/prune_structured.py \
#       configs/pruning/l1-norm_resnet34_8xb32-90e_in1k.py CKPT \
#       --method l1 --preset resnet34-B \
#       --out work_dirs/l1-norm_resnet34-B_pruned
_base_ = ['./l1-norm_resnet34_8xb32-90e_in1k.py']
model = dict(backbone=dict(spec='resnet34-B'))
load_from = 'work_dirs/l1-norm_resnet34-B_pruned/pruned.pth'
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = []
train_cfg = dict(max_epochs=20)
