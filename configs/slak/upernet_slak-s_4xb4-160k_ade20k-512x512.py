# UperNet 160k, SLaK-S, Table 4: 49.4 mIoU single-scale, 91M params, 1028G FLOPs.
# Reference config: drop path 0.3, stage-wise lr decay 0.9 over 12 layers.
_base_ = './upernet_slak-t_4xb4-160k_ade20k-512x512.py'

checkpoint_file = 'checkpoints/SLaK_small_checkpoint.pth'
model = dict(backbone=dict(arch='small', drop_path_rate=0.3,
                           init_cfg=dict(checkpoint=checkpoint_file)))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))
