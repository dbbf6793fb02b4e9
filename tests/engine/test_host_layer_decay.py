"""The hosts' own layer-decay constructors on our backbones give the hosts' result.

mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` (through
``ImageClassifier.get_layer_depth``) and mmdet's / mmseg's
``LearningRateDecayOptimizerConstructor`` (name-based ConvNeXt rule) run on a
model with ``mmvisarch.ConvNeXt`` / ``SLaK`` and on the same model with
``mmpretrain.ConvNeXt`` of the same depths; every parameter must get the same
lr and weight decay. mmpretrain's names are mapped onto ours with our own
converter. Where no host has a reference model (isotropic ConvNeXt), the
expected ids are written by hand from mmpretrain's ViT rule.
"""
import re

import pytest
import torch
from torch import nn

from mmvisarch.models.backbones import ConvNeXt, ConvNeXtIsotropic
from mmvisarch.models.backbones.convnext import convert_convnext_state_dict
from mmvisarch.models.backbones.slak import SLaK

pytest.importorskip('mmpretrain')
LR, WD = 1e-3, 0.05
DEPTHS = {'tiny': [3, 3, 9, 3], 'base': [3, 3, 27, 3]}  # the two id tables (6 / 12 layers)
CHANNELS = [8, 8, 8, 8]


def host_convnext(depths):
    from mmpretrain.models import ConvNeXt as HostConvNeXt
    return HostConvNeXt(arch=dict(depths=depths, channels=CHANNELS), out_indices=(0, 1, 2, 3))


class Detector(nn.Module):
    """``backbone`` + ``neck``, the attributes mmdet's / mmseg's constructors read."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone, self.neck = backbone, nn.Conv2d(8, 8, 1)


def classifier(backbone: nn.Module) -> nn.Module:
    from mmpretrain.models import ImageClassifier, LinearClsHead
    model = ImageClassifier(backbone=dict(type='mmvisarch.ConvNeXt', arch='tiny'),
                            head=dict(type='LinearClsHead', num_classes=3, in_channels=8))
    model.backbone = backbone  # any module: the constructor only reads names and methods
    assert isinstance(model.head, LinearClsHead)
    return model


def ours_name(host_name: str) -> str:
    """mmpretrain parameter name -> ours, through our converter (prefix kept)."""
    prefix, _, rest = host_name.partition('.')
    if prefix != 'backbone':
        return host_name
    return 'backbone.' + next(iter(convert_convnext_state_dict({rest: torch.zeros(1)})))


def groups_by_name(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(p)]: (g['lr'] / LR, g['weight_decay'])
            for g in optimizer.param_groups for p in g['params']}


def assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value), name


def unit(name: str) -> str:
    """The official layer unit of a ConvNeXt parameter (a block, a downsampling layer, ...)."""
    match = re.match(r'backbone\.(downsample_layers\.\d+|stages\.\d+\.\d+|norm\d)', name)
    return match.group(0) if match else name.rsplit('.', 1)[0]


def by_unit(groups: dict) -> dict:
    units = {}
    for name, value in groups.items():
        units.setdefault(unit(name), set()).add(round(value[0], 12))  # the lr scale
    assert all(len(v) == 1 for v in units.values()), 'a block spans several lr scales'
    return {k: v.pop() for k, v in units.items()}


def run_mmpretrain(model: nn.Module) -> dict:
    from mmpretrain.engine.optimizers import LearningRateDecayOptimWrapperConstructor
    constructor = LearningRateDecayOptimWrapperConstructor(
        dict(optimizer=dict(type='AdamW', lr=LR, weight_decay=WD)),
        dict(layer_decay_rate=0.5, flat_decay_mult=0.))
    return groups_by_name(model, constructor(model).optimizer)


def run_dense_host(host: str, model: nn.Module, decay_type: str, num_layers: int) -> dict:
    module = __import__(f'{host}.engine.optimizers', fromlist=['x'])
    constructor = module.LearningRateDecayOptimizerConstructor(
        dict(optimizer=dict(type='AdamW', lr=LR, weight_decay=WD)),
        dict(decay_rate=0.5, decay_type=decay_type, num_layers=num_layers))
    return groups_by_name(model, constructor(model).optimizer)


@pytest.mark.parametrize('size', DEPTHS)
def test_mmpretrain_constructor_on_convnext(size):
    ours = run_mmpretrain(classifier(ConvNeXt(arch=dict(depths=DEPTHS[size], channels=CHANNELS))))
    host = run_mmpretrain(classifier(host_convnext(DEPTHS[size])))
    assert_same({ours_name(n): v for n, v in host.items()}, ours)


@pytest.mark.parametrize('size', DEPTHS)
def test_mmpretrain_constructor_on_slak(size):
    arch = dict(depths=DEPTHS[size], channels=CHANNELS, kernel_sizes=[7, 7, 7, 7], small_kernel=3)
    ours = by_unit(run_mmpretrain(classifier(SLaK(arch=arch))))
    host = by_unit({ours_name(n): v for n, v in run_mmpretrain(classifier(
        host_convnext(DEPTHS[size]))).items()})
    assert_same(host, ours)


def test_mmpretrain_constructor_on_isotropic():
    """ViT rule (mmpretrain VisionTransformer.get_layer_depth): stem 0, block i -> i + 1,
    rest depth + 1; scale 0.5 ** (depth + 1 - id)."""
    got = run_mmpretrain(classifier(ConvNeXtIsotropic(arch=dict(depth=3, channels=8))))
    assert got['backbone.stem.weight'] == pytest.approx((0.5 ** 4, WD))
    assert got['backbone.blocks.0.dwconv.weight'] == pytest.approx((0.5 ** 3, WD))
    assert got['backbone.blocks.2.pwconv2.weight'] == pytest.approx((0.5, WD))
    assert got['backbone.norm2.weight'] == pytest.approx((1., 0.))
    assert got['head.fc.weight'] == pytest.approx((1., WD))


@pytest.mark.parametrize('host', ['mmdet', 'mmseg'])
@pytest.mark.parametrize('decay_type', ['layer_wise', 'stage_wise'])
@pytest.mark.parametrize('size', DEPTHS)
def test_dense_host_constructor_on_convnext(host, decay_type, size):
    pytest.importorskip(host)
    num_layers = 6 if size == 'tiny' else 12
    ours = run_dense_host(host, Detector(ConvNeXt(arch=dict(depths=DEPTHS[size],
                                                            channels=CHANNELS))),
                          decay_type, num_layers)
    theirs = run_dense_host(host, Detector(host_convnext(DEPTHS[size])), decay_type, num_layers)
    assert_same({ours_name(n): v for n, v in theirs.items()}, ours)


@pytest.mark.parametrize('decay_type', ['layer_wise', 'stage_wise'])
@pytest.mark.parametrize('size', DEPTHS)
def test_our_constructor_equals_mmdet_on_convnext(decay_type, size):
    """Our extension keeps the hosts' result where a host rule exists."""
    pytest.importorskip('mmdet')
    from mmengine.optim import build_optim_wrapper
    num_layers = 6 if size == 'tiny' else 12
    model = Detector(ConvNeXt(arch=dict(depths=DEPTHS[size], channels=CHANNELS)))
    cfg = dict(constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=LR, weight_decay=WD),
               paramwise_cfg=dict(decay_rate=0.5, decay_type=decay_type, num_layers=num_layers))
    ours = groups_by_name(model, build_optim_wrapper(model, cfg).optimizer)
    assert_same(run_dense_host('mmdet', model, decay_type, num_layers), ours)
