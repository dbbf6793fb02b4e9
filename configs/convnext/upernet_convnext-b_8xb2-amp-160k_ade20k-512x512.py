# UperNet 160k, ConvNeXt-B, Tables 4.4 / 4.7: 49.1 mIoU single-scale, 49.9 multi-scale + flip
# (`tools/test.py ... --tta`), 122M params, 1170G FLOPs. As ConvNeXt-T with the B widths and
# 12 layer groups; drop path 0.4 (anchors §8).
_base_ = './upernet_convnext-t_8xb2-amp-160k_ade20k-512x512.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_base_1k_224.pth'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[128, 256, 512, 1024]),
    auxiliary_head=dict(in_channels=512))

optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))
