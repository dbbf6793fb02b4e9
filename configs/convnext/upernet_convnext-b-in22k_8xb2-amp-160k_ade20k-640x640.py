# UperNet 160k, ConvNeXt-B (ImageNet-22K init), Tables 4.4 / 4.7: 52.6 mIoU single-scale, 53.1
# multi-scale + flip
# (`tools/test.py ... --tta`: mmseg's ADE20K tta_pipeline, ratios 0.5-1.75 + flip, and
# SegTTAModel, inherited from the mmseg base), 122M params, 1828G FLOPs. AdamW 1e-4, stage-wise
# lr decay 0.9 over 12 layers, drop path 0.4 (anchors §8); data, head and schedule from mmseg.
_base_ = 'mmseg::convnext/convnext-base_upernet_8xb2-amp-160k_ade20k-640x640.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_base_22k_224.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.ConvNeXt',
        arch='base',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)))

optim_wrapper = dict(
    constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
    optimizer=dict(lr=1e-4),
    paramwise_cfg=dict(decay_rate=0.9, decay_type='stage_wise', num_layers=12))
default_hooks = dict(checkpoint=dict(type='mmvisarch.SafeCheckpointHook'))  # kill-safe saves, exact resume
