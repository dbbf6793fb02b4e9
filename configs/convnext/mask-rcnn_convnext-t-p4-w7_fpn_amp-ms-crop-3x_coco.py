# Mask R-CNN 3x, ConvNeXt-T (ImageNet-1K init), Table 4.3: 46.2 box AP / 41.7 mask AP.
# Recipe of the official release (anchors.md §8): multi-scale + crop-resize augmentation,
# AdamW 1e-4, layer-wise lr decay 0.95 over 6 layer groups, drop path 0.4, 36 epochs, AMP.
_base_ = 'mmdet::convnext/mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
# The detection release starts from the non-EMA ImageNet-1K weights.
checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_tiny_1k_224.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    neck=dict(in_channels=[96, 192, 384, 768]))

optim_wrapper = dict(
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))

# 8 GPUs x 2 images
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
