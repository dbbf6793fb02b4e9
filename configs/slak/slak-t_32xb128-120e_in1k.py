# SLaK-T, ImageNet-1K, 120 epochs (Table 2, "sparse groups, expand more width", 51-49-47-13):
# 81.6 top-1, 30M params, 5.0G FLOPs. The 120-epoch pre-training used for the 1x COCO and the
# 80k ADE20K fine-tuning.
_base_ = './slak-t_32xb128_in1k.py'

train_cfg = dict(max_epochs=120)
