# UperNet 160k, SLaK-T (ImageNet-1K 300-epoch sparse init), Table 4: 47.6 mIoU single-scale,
# 65M params, 936G FLOPs at 2048x512. Reference: VITA-Group/SLaK
# segmentation/configs/upernet_slak_tiny_512_160k_ade20k_ss.py: AdamW 1e-4, stage-wise lr decay
# 0.9 over 6 layers, drop path 0.4, layer scale 1.0, 4 images/GPU, fp32; the rest is ConvNeXt's
# recipe (A.2), inherited from our ConvNeXt-T UperNet config (mmseg base).
# The 40% sparsity of the pre-trained kernels is kept fixed while fine-tuning (masks from the
# checkpoint, or from its zeros for the official release).
_base_ = '../convnext/upernet_convnext-t_8xb2-amp-160k_ade20k-512x512.py'

# Official SLaK-T ImageNet-1K weights (Google Drive, see README.md); download and set the path.
checkpoint_file = 'checkpoints/SLaK_tiny_checkpoint.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.SLaK',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[124, 249, 499, 998]),
    auxiliary_head=dict(in_channels=499))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise', num_layers=6))

train_dataloader = dict(batch_size=4)
train_cfg = dict(val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=8000))
custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', prefix='backbone',
                     update_interval=None)]
