# UperNet 160k, ConvNeXt-XL (ImageNet-22K init), Tables 4.4 / 4.7: 53.6 mIoU single-scale, 54.0
# multi-scale + flip (`tools/test.py ... --tta`), 391M params, 3335G FLOPs. As the B-640
# config with the XL widths and AdamW 8e-5 (anchors §8).
_base_ = './upernet_convnext-b-in22k_8xb2-amp-160k_ade20k-640x640.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_224.pth'

model = dict(
    backbone=dict(arch='xlarge', init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[256, 512, 1024, 2048]),
    auxiliary_head=dict(in_channels=1024))

optim_wrapper = dict(optimizer=dict(lr=8e-5))
