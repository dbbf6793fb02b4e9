# Table 2 "Decomposed", ConvNeXt-T with 51-49-47-13 kernels as 51x5 + 5x51 + 5x5 (each with BN),
# 120 epochs: 81.5 top-1, 31M params, 5.4G FLOPs. ConvNeXt-T widths, no sparsity.
_base_ = '../../convnext/convnext-t_32xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'],
                      allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmvisarch.SLaK',
        arch=dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768],
                  kernel_sizes=[51, 49, 47, 13], small_kernel=5),
        decomposed=True,
        out_indices=-1,
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        gap_before_final_norm=True))
train_cfg = dict(max_epochs=120)
