"""SLaK backbone: equality with the official model, padding, re-parameterisation, errors."""
import os.path as osp

import pytest
import torch
from torch import nn

from mmvisarch.models.backbones.slak import SLaK, convert_slak_state_dict
from mmvisarch.models.layers.large_kernel import (DepthwiseConv2d, LargeKernelConv,
                                                  fft_depthwise_conv2d)
from mmvisarch.registry import MODELS

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'slak')
# the fixture's architecture (tests/data/README.md): dims [8, 16, 24, 32] x 1.3
TINY = dict(depths=[1, 1, 2, 1], channels=[10, 20, 31, 41], kernel_sizes=[13, 11, 9, 7],
            small_kernel=3)


def _load(name):
    return torch.load(osp.join(DATA, name), map_location='cpu', weights_only=True)


def _official_model(tag, **kwargs):
    model = SLaK(arch=TINY, decomposed=(tag == 'decomposed'), out_indices=(3,),
                 gap_before_final_norm=True, layer_scale_init_value=1.0,
                 init_cfg=dict(type='Pretrained',
                               checkpoint=osp.join(DATA, f'slak_tiny_{tag}_official.pth')),
                 **kwargs)
    model.init_weights()
    return model.eval()


@pytest.mark.parametrize('tag', ['decomposed', 'naive'])
def test_equals_official_outputs(tag):
    io = _load('slak_tiny_official_io.pth')
    model = _official_model(tag)
    stages = []
    for stage in model.stages:
        stage.register_forward_hook(lambda m, i, o: stages.append(o))
    with torch.no_grad():
        features = model(io['input'])[0]
    torch.testing.assert_close(features, io[tag]['features'], atol=1e-5, rtol=1e-5)
    for ours, theirs in zip(stages, io[tag]['stages']):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)


def test_loads_detection_layout_and_old_names():
    """Official mmdet/mmseg checkpoints (``backbone.`` prefix) and ``Decom1/2`` names."""
    io = _load('slak_tiny_official_io.pth')
    state = _load('slak_tiny_decomposed_official.pth')['model']
    old = {'backbone.' + k.replace('LoRA1', 'Decom1').replace('LoRA2', 'Decom2'): v
           for k, v in state.items() if not k.startswith('head.')}
    old['backbone.norm3.weight'] = old.pop('backbone.norm.weight')
    old['backbone.norm3.bias'] = old.pop('backbone.norm.bias')
    old['neck.lateral_convs.0.conv.weight'] = torch.zeros(1)
    model = SLaK(arch=TINY, out_indices=(3,), gap_before_final_norm=True,
                 layer_scale_init_value=1.0)
    from mmvisarch.models.utils import load_backbone_checkpoint, unwrap_state_dict
    load_backbone_checkpoint(model, convert_slak_state_dict(unwrap_state_dict({'state_dict': old})),
                             'SLaK')
    with torch.no_grad():
        features = model.eval()(io['input'])[0]
    torch.testing.assert_close(features, io['decomposed']['features'], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('merge', [True, False])
@pytest.mark.parametrize('tag', ['decomposed', 'naive'])
def test_switch_to_deploy_keeps_outputs(tag, merge):
    io = _load('slak_tiny_official_io.pth')
    model = _official_model(tag).switch_to_deploy(merge_branches=merge)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if merge:
        assert all(hasattr(m, 'lkb_reparam') for m in model.modules()
                   if isinstance(m, LargeKernelConv))
    with torch.no_grad():
        features = model(io['input'])[0]
    torch.testing.assert_close(features, io[tag]['features'], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('size', [(17, 17), (16, 16), (15, 22), (9, 4)])
@pytest.mark.parametrize('kernel', [(13, 3), (3, 13), (7, 7), (1, 5)])
def test_depthwise_conv_keeps_size_and_matches_reference(size, kernel):
    """Per-axis 'same' padding, checked against a hand-padded F.conv2d; FFT path equal."""
    x = torch.randn(2, 4, *size)
    conv = DepthwiseConv2d(4, kernel)
    out = conv(x)
    assert out.shape == x.shape
    kh, kw = kernel
    padded = nn.functional.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2))
    torch.testing.assert_close(out, nn.functional.conv2d(padded, conv.weight, groups=4))
    torch.testing.assert_close(fft_depthwise_conv2d(x, conv.weight), out, atol=1e-5, rtol=1e-4)


def test_arch_zoo_widths_and_kernels():
    """1.3x ConvNeXt widths truncated (Sec. 4.1) and the (51, 49, 47, 13) kernels."""
    widths = {'tiny': [124, 249, 499, 998], 'small': [124, 249, 499, 998],
              'base': [166, 332, 665, 1331]}
    for arch, channels in widths.items():
        assert SLaK.arch_zoo[arch]['channels'] == channels
    assert SLaK.arch_zoo['tiny']['depths'] == [3, 3, 9, 3]
    assert SLaK.arch_zoo['small']['depths'] == SLaK.arch_zoo['base']['depths'] == [3, 3, 27, 3]
    model = SLaK(arch=dict(depths=[1, 1, 1, 1], channels=[8, 8, 8, 8]))
    assert model.kernel_sizes == [51, 49, 47, 13] and model.small_kernel == 5
    assert model.stages[0][0].large_kernel.LoRA1.conv.weight.shape == (8, 1, 51, 5)
    assert model.stages[3][0].large_kernel.LoRA2.conv.weight.shape == (8, 1, 5, 13)


def test_build_from_registry_outputs_and_syncbn_cfg():
    model = MODELS.build(dict(type='mmvisarch.SLaK', arch=dict(
        depths=[1, 1, 1, 1], channels=[8, 16, 16, 24], kernel_sizes=[9, 7, 5, 5], small_kernel=3),
        out_indices=(0, 2, -1), norm_cfg=dict(type='SyncBN')))
    assert isinstance(model.stages[0][0].large_kernel.LoRA1.bn, nn.SyncBatchNorm)
    assert model.out_channels == (8, 16, 24)
    outs = model.eval()(torch.randn(1, 3, 45, 38))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 11, 9), (1, 16, 2, 2), (1, 24, 1, 1)]
    assert model.train() is model
    frozen = SLaK(arch=dict(depths=[1] * 4, channels=[8] * 4, kernel_sizes=[7, 7, 5, 5],
                            small_kernel=3), norm_eval=True, frozen_stages=1).train()
    bns = [m for m in frozen.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    assert not any(p.requires_grad for p in frozen.stages[0].parameters())
    assert frozen.stages[1][0].pwconv1.training


def test_no_norm_ablation_has_no_bn_nor_bias():
    model = SLaK(arch=dict(depths=[1, 1, 1, 1], channels=[8] * 4, kernel_sizes=[7, 7, 5, 5],
                           small_kernel=3), with_norm=False)
    lk = model.stages[0][0].large_kernel
    assert not hasattr(lk.LoRA1, 'bn') and lk.LoRA1.conv.bias is None


@pytest.mark.parametrize('arch, match', [
    (dict(kernel_sizes=[7, 7, 3, 7], small_kernel=5), 'shorter than small_kernel'),
    (dict(kernel_sizes=[7, 8, 5, 5], small_kernel=3), 'odd'),
    (dict(kernel_sizes=[7, 7, 5, 5], small_kernel=4), 'odd'),
    (dict(kernel_sizes=[7, 7, 5], small_kernel=3), 'one per stage'),
])
def test_bad_kernel_sizes_raise(arch, match):
    with pytest.raises(ValueError, match=match):
        SLaK(arch=dict(depths=[1] * 4, channels=[8] * 4, **arch))


def test_bad_layer_arguments_raise():
    with pytest.raises(ValueError, match='odd'):
        DepthwiseConv2d(4, (4, 3))
    with pytest.raises(ValueError, match='impl'):
        DepthwiseConv2d(4, 3, impl='cutlass')
    with pytest.raises(ValueError, match='shorter'):
        LargeKernelConv(4, 3, 5)
    with pytest.raises(ValueError, match='valid names'):
        SLaK(arch='huge')
    with pytest.raises(TypeError, match='kernel_sizes'):
        SLaK(arch='tiny', kernel_size=7)


def test_pure_naive_kernel_has_only_the_large_branch():
    """Table 1 "Naive": small_kernel=None, no decomposition, no norm -> one M x M conv."""
    model = SLaK(arch=dict(depths=[1] * 4, channels=[8] * 4, kernel_sizes=[9, 7, 5, 5],
                           small_kernel=None), decomposed=False, with_norm=False)
    lk = model.stages[0][0].large_kernel
    assert [n for n, _ in lk.named_children()] == ['lkb_origin']
    assert lk.lkb_origin.conv.weight.shape == (8, 1, 9, 9)
    x = torch.randn(1, 8, 11, 6)
    expected = nn.functional.conv2d(x, lk.lkb_origin.conv.weight, padding=4, groups=8)
    torch.testing.assert_close(lk(x), expected)
    with pytest.raises(ValueError, match='small_kernel=None'):
        SLaK(arch=dict(depths=[1] * 4, channels=[8] * 4, small_kernel=None))
