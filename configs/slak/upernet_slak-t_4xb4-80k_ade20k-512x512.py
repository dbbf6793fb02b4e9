# UperNet 80k, SLaK-T pre-trained 120 epochs, Table 4 (upper part): 46.2 mIoU, 65M, 936G.
# Reference config upernet_slak_tiny_512_80k_ade20k_ss.py: AdamW 2e-4 without layer-wise decay,
# no weight decay on norms, drop path 0.1, 800 warm-up iterations, evaluation every 2k.
_base_ = './upernet_slak-t_4xb4-160k_ade20k-512x512.py'

checkpoint_file = 'checkpoints/SLaK_tiny_120e_checkpoint.pth'
model = dict(backbone=dict(drop_path_rate=0.1, init_cfg=dict(checkpoint=checkpoint_file)))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.))
max_iters = 80000
train_cfg = dict(max_iters=max_iters, val_interval=2000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=800),
    dict(type='PolyLR', power=1.0, begin=800, end=max_iters, eta_min=0.0, by_epoch=False)
]
