# ConvNeXt-T, ImageNet-22K pre-trained, fine-tuned on ImageNet-1K at 224 (Tables 4.1, 4.6):
# 82.9 top-1. AdamW 5e-5 at batch 512, weight decay 1e-8, 30 epochs cosine without warm-up,
# layer-wise lr decay 0.8 (every 3 blocks of stage 3 form a group, 12 groups), RandAugment,
# Random Erasing 0.25, label smoothing 0.1, no Mixup/CutMix, head init scale 0.001, no EMA
# (EMA 0.9999 for XL only), drop path 0.0/0.1/0.2/0.3/0.4 for T/S/B/L/XL.
_base_ = './convnext-t_32xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_tiny_22k_224.pth'

model = dict(
    backbone=dict(drop_path_rate=0.0,
                  init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    # head init scale 0.001: trunc-normal std 0.02 x 0.001
    head=dict(init_cfg=dict(_delete_=True, type='TruncNormal', layer='Linear', std=2e-5,
                            bias=0.)),
    train_cfg=None)  # no Mixup / CutMix

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    optimizer=dict(lr=5e-5, weight_decay=1e-8),
    paramwise_cfg=dict(_delete_=True, decay_rate=0.8, decay_type='layer_wise', num_layers=12),
    clip_grad=None)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=0,
                        end=30, convert_to_iter_based=True)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
custom_hooks = []  # no EMA (T-L)
# 8 GPUs x 64 images
auto_scale_lr = dict(base_batch_size=512)
