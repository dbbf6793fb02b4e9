# ConvNeXt-T, ImageNet-22K pre-training (Table 4.5, right column): the ImageNet-1K recipe
# (RandAugment, Mixup, CutMix, Random Erasing, label smoothing) for 90 epochs with 5 warm-up
# epochs, no EMA, drop path 0.0 (T/S), 0.1 (B/L), 0.2 (XL). Weights:
# dl.fbaipublicfiles.com/convnext/convnext_tiny_22k_224.pth.
_base_ = './convnext-t_32xb128_in1k.py'

num_classes = 21841
model = dict(backbone=dict(drop_path_rate=0.0), head=dict(num_classes=num_classes))
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(type='ImageNet21k', data_root='data/imagenet21k', split='train'))
# ImageNet-22K has no validation split; evaluate by fine-tuning on ImageNet-1K.
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None

train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5),
]
custom_hooks = []  # no EMA in pre-training
