"""Inference re-parameterisation (mmvisarch.models.deploy): the deployed model equals the
training-form model in eval (1e-5 relative) for every family, and the folds happened
(no BatchNorm / LayerNorm affine / layer scale left where one can be folded)."""
import copy

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmvisarch.models.backbones import ConvNeXt, ConvNeXtIsotropic, SLaK
from mmvisarch.models.backbones.pruned import PrunedDenseNet, PrunedResNet, PrunedVGG
from mmvisarch.models.backbones.roadmap import ModernizedResNet
from mmvisarch.models.deploy import switch_to_deploy

TINY_CONVNEXT = dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32])


def randomize(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial norm statistics, affines and layer scales, so that every fold matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            if isinstance(m, (_BatchNorm, nn.LayerNorm)) and m.weight is not None:
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.3)
            gamma = getattr(m, 'gamma', None)
            if isinstance(gamma, nn.Parameter):
                gamma.copy_(torch.rand(gamma.shape, generator=g) + 0.5)
    return model.eval()


def rel_diff(a, b) -> float:
    a, b = (torch.cat([t.flatten() for t in x]) if isinstance(x, (tuple, list)) else x
            for x in (a, b))
    return ((a - b).abs().max() / b.abs().max()).item()


def check(model: nn.Module, size=(2, 3, 64, 64), **kwargs) -> nn.Module:
    model = randomize(model)
    x = torch.randn(*size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
        deployed = switch_to_deploy(copy.deepcopy(model), **kwargs)
        got = deployed(x)
        got_cl = deployed(x.contiguous(memory_format=torch.channels_last))
    assert rel_diff(got, expected) < 1e-5
    assert rel_diff(got_cl, expected) < 1e-5
    assert deployed.deployed and not deployed.training
    return deployed


def _block_norms(model):
    return [m for name, m in model.named_modules() if name.endswith('.norm')]


def test_convnext_folds_ln_affine_and_layer_scale():
    model = check(ConvNeXt(TINY_CONVNEXT, out_indices=(0, 1, 2, 3)))
    assert all(m.weight is None and m.bias is None for m in _block_norms(model))
    assert all(block.gamma is None for stage in model.stages for block in stage)
    # downsampling LN -> 2x2/2 conv: affine folded (no padding); stem conv -> LN: kept
    assert all(model.downsample_layers[i][0].weight is None for i in (1, 2, 3))
    assert model.downsample_layers[0][1].weight is not None
    assert model.deploy_folds == 5 * 2 + 3


def test_convnext_classifier_and_isotropic():
    check(ConvNeXt(TINY_CONVNEXT, out_indices=-1, gap_before_final_norm=True))
    model = check(ConvNeXtIsotropic(dict(depth=2, channels=16), layer_scale_init_value=1e-6),
                  size=(2, 3, 48, 48))
    assert all(b.gamma is None and b.norm.weight is None for b in model.blocks)


@pytest.mark.parametrize('merge', [True, False])
def test_slak_merges_kernels_and_folds_blocks(merge):
    arch = dict(depths=[1, 1, 1, 1], channels=[8, 16, 16, 16], kernel_sizes=[13, 11, 9, 7],
                small_kernel=3)
    model = check(SLaK(arch, out_indices=(0, 1, 2, 3)), merge_large_kernels=merge)
    assert not any(isinstance(m, _BatchNorm) for m in model.modules())
    lks = [b.large_kernel for stage in model.stages for b in stage]
    assert all(hasattr(lk, 'lkb_reparam') == merge for lk in lks)
    assert all(b.gamma is None for stage in model.stages for b in stage)


@pytest.mark.parametrize('arch,preact', [
    (dict(block='basic', depths=(2, 1), channels=(8, 16), stem='cifar', shortcut='A'), False),
    (dict(block='basic', depths=(1, 2), channels=(8, 16), stem='imagenet', shortcut='B'), False),
    (dict(block='bottleneck', depths=(1, 2), channels=(8, 16), stem='imagenet', shortcut='B'),
     False),
    (dict(block='basic', depths=(2, 2), channels=(8, 16), stem='cifar', shortcut='B',
          preact=True), True),
])
def test_pruned_resnet_folds_every_post_conv_bn(arch, preact):
    spec = dict(widths={'layer1.0.conv1': 5}, removed_blocks=['layer2.1'] if
                arch['depths'][1] > 1 else [])
    model = PrunedResNet(arch=arch, spec=spec, out_indices=(0, 1))
    bns_before = sum(isinstance(m, _BatchNorm) for m in model.modules())
    model = check(model, size=(2, 3, 32, 32))
    left = [n for n, m in model.named_modules() if isinstance(m, _BatchNorm)]
    if preact:  # the BN before each block and the first conv's input BN stay (BN-ReLU-conv)
        assert 0 < len(left) < bns_before
        assert all(n.endswith('bn1') or n == 'bn' for n in left), left
    else:
        assert left == []


def test_thinet_preset_deploys():
    model = check(PrunedResNet(spec='resnet50-thinet-30'), size=(1, 3, 32, 32))
    assert not any(isinstance(m, _BatchNorm) for m in model.modules())


def test_pruned_vgg_preset_deploys_and_stage_slices_still_work():
    model = check(PrunedVGG(spec='cifar-vgg16-A', out_indices=(0, 2, 4)), size=(2, 3, 32, 32))
    assert not any(isinstance(m, _BatchNorm) for m in model.modules())
    assert len(model.features) == len(PrunedVGG(spec='cifar-vgg16-A').features)


def test_pruned_densenet_is_unchanged_but_equal():
    # every BN of DenseNet-40 is pre-activation (BN-ReLU-conv): nothing can be folded
    arch = dict(depths=(2, 2), growth_rate=4, stem_channels=8)
    model = check(PrunedDenseNet(arch=arch, out_indices=(0, 1)), size=(2, 3, 32, 32))
    assert model.deploy_folds == 0


@pytest.mark.parametrize('kwargs', [
    dict(),  # ResNet-50 layout
    dict(layout='inverted', depthwise=True, kernel_size=7, act='GELU', single_act=True,
         single_norm=True, layer_scale_init_value=1e-6),
    dict(layout='inverted_dw_first', depthwise=True, kernel_size=7, act='GELU',
         single_act=True, single_norm=True, stem='patchify', layer_scale_init_value=1e-6),
    dict(layout='inverted_dw_first', depthwise=True, kernel_size=7, act='GELU',
         single_act=True, single_norm=True, norm='LN', stem='patchify',
         separate_downsample=True, layer_scale_init_value=1e-6),  # = ConvNeXt
])
def test_modernized_resnet_deploys(kwargs):
    model = check(ModernizedResNet(depths=(1, 2, 1, 1), width=8, **kwargs))
    assert not any(isinstance(m, _BatchNorm) for m in model.modules())
    assert all(getattr(m, 'gamma', None) is None for m in model.modules())


def test_host_classifier_deploys():
    from mmpretrain.models import ImageClassifier
    import mmvisarch  # noqa: F401
    model = ImageClassifier(
        backbone=dict(type='mmvisarch.ConvNeXt', arch=TINY_CONVNEXT, out_indices=-1,
                      gap_before_final_norm=True),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=32))
    model = randomize(model)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        got = switch_to_deploy(copy.deepcopy(model))(x, mode='tensor')
    assert rel_diff(got, expected) < 1e-5


def test_bn_without_running_stats_is_refused():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False))
    with pytest.raises(ValueError, match='running statistics'):
        switch_to_deploy(model)
