# UperNet 160k, ConvNeXt-L (ImageNet-22K init), Tables 4.4 / 4.7: 53.2 mIoU single-scale, 53.7
# multi-scale + flip (`tools/test.py ... --tta`), 235M params, 2458G FLOPs. As the B-640
# config with the L widths (anchors §8).
_base_ = './upernet_convnext-b-in22k_8xb2-amp-160k_ade20k-640x640.py'

checkpoint_file = 'https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_224.pth'

model = dict(
    backbone=dict(arch='large', init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[192, 384, 768, 1536]),
    auxiliary_head=dict(in_channels=768))
