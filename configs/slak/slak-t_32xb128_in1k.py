# SLaK-T, ImageNet-1K, 300 epochs (Table 3): 82.5 top-1; 30M params / 5.0G FLOPs counting only
# nonzero weights (50M / 8.7G dense). ConvNeXt-T's recipe (A.1: AdamW 4e-3 at batch 4096, 20
# warm-up epochs, cosine, RandAugment, Mixup/CutMix, Random Erasing, label smoothing, EMA),
# inherited from our ConvNeXt-T config (mmpretrain base), with kernels 51-49-47-13 decomposed
# (51x5 + 5x51 + 5x5), 1.3x width, drop path 0.1 and dynamic sparsity: 40% of all 2-D/4-D
# weights, SNIP layer-wise ratios (plain cross-entropy on one batch, on a copy of the model),
# random masks, magnitude prune / random regrow every 2000 optimizer steps at rate 0.5,
# cosine-decayed over the run's optimizer steps (reference README command: -u 2000
# --prune_rate 0.5 --growth random --update_freq 8). As in the reference's training
# (main.py / engine.py): after each optimizer step the masks are applied to the weights, then
# (every -u steps) pruned and regrown; the EMA averages the masked weights and a regrown EMA
# weight starts at the model's value; after the last epoch there is only evaluation.
_base_ = '../convnext/convnext-t_32xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.SLaK',
        arch='tiny',
        out_indices=-1,
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        gap_before_final_norm=True),
    head=dict(in_channels=998))

custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
    dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.4, init='snip', targets='all',
         update_interval=2000, prune_rate=0.5),
]
