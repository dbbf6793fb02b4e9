# "Pruning Compact ConvNets" Table 1: FBNetV3-F pruned (global magnitude pruning of the 1x1 convs
# and the classifier) to FBNetV3-E's 762.0 MFLOPs, then fine-tuned; paper top-1 81.97.
# paper sparsity 54.7%; the global threshold depends on the weights, prune_magnitude.py reports it.
#   python tools/pruning/prune_magnitude.py configs/fbnetv3/fbnetv3-f_in1k.py FBNETV3_F.pth \
#       --only-1x1 --with-linear --convention fbnet --input-size 272 \
#       --target-config configs/fbnetv3/fbnetv3-e_in1k.py --target-input-size 264 \
#       --scope global --out work_dirs/magnitude-global_fbnetv3-f-to-e_8xb128-finetune_in1k/masked.pth
#   python tools/train.py configs/fbnetv3/magnitude-global_fbnetv3-f-to-e_8xb128-finetune_in1k.py
# Fine-tuning (Sec. 3.2): the seed's settings, lr from {4e-5, 8e-5, 1.6e-4} (8e-5 here; change with
# --cfg-options optim_wrapper.optimizer.lr=...), fixed masks, stop when the smoothed held-out loss
# changes by less than 0.01% between epochs (max_epochs is only a cap; the paper saw ~250).
_base_ = ['./fbnetv3-f_in1k.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
load_from = 'work_dirs/magnitude-global_fbnetv3-f-to-e_8xb128-finetune_in1k/masked.pth'
custom_hooks = [
    # masks = the zeros of the pruned weights, kept fixed (every layer with a zero is masked)
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.0, update_interval=None,
         dense_threshold=1.0),
    dict(type='mmvisarch.ValLossEarlyStoppingHook', tol=1e-4),
]
optim_wrapper = dict(optimizer=dict(lr=8e-5))
param_scheduler = []
train_cfg = dict(max_epochs=400, val_interval=1)
