# FBNetV3-D (mobile-vision FBNetV3_D), ImageNet-1K. "Pruning Compact ConvNets" Table 3:
# 10.2M params, 644.4 MFLOPs at 248x248 (mobile-vision counting: get_flops.py --convention fbnet),
# 81.0 top-1. Official eval transform: resize the short side to 277, center crop 248.
# The FBNetV3 training recipe was found by the architecture-recipe search and is not published
# as a config; the optimizer and schedule here are mmpretrain's MobileNetV3 recipe (see README).
_base_ = 'mmpretrain::mobilenet_v3/mobilenet-v3-large_8xb128_in1k.py'

custom_imports = dict(imports=['mmvisarch.models'], allow_failed_imports=False)

crop_size = 248
test_resize = 277

model = dict(
    backbone=dict(_delete_=True, type='mmvisarch.FBNetV3', arch='d', out_indices=-1),
    neck=dict(type='GlobalAveragePooling'),
    # mobile-vision ClsConvHead: a 1x1 conv 1984 -> 1000 with bias, i.e. a linear layer
    head=dict(_delete_=True, type='LinearClsHead', num_classes=1000, in_channels=1984,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))

bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [  # mmpretrain's MobileNetV3 ImageNet pipeline at this crop size
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies='imagenet', hparams=dict(pad_val=[round(x) for x in bgr_mean])),
    dict(type='RandomErasing', erase_prob=0.2, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=test_resize, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
