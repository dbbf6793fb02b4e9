"""LayerDecayOptimWrapperConstructor against hand-written tables of the official rule.

Every expected (lr scale, weight decay) below was written by hand from the rule
of the ConvNeXt reference code (anchors.md sec. 1): layer ids, then
``scale = decay_rate ** (num_layers + 2 - layer_id - 1)``, no weight decay for
1-D parameters and biases. ``decay_rate=0.5`` keeps the scales exact powers of 2.
"""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from torch import nn

from mmvisarch.engine.optimizers import LayerDecayOptimWrapperConstructor
from mmvisarch.models.backbones import ConvNeXt

LR, WD = 1e-3, 0.05
TINY_ARCH = dict(depths=[1, 1, 4, 1], channels=[8, 16, 32, 64])


class FakeDetector(nn.Module):
    """Detector-like: ``backbone`` + ``neck`` attributes, like mmdet models."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.neck = nn.Conv2d(8, 8, 1)


class TinyResNet(nn.Module):
    """A non-ConvNeXt backbone without get_layer_depth (ResNet-like names)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3), nn.Conv2d(8, 8, 3))
        self.layer2 = nn.Sequential(nn.Conv2d(8, 8, 3), nn.Conv2d(8, 8, 3))


def build(model: nn.Module, **paramwise) -> torch.optim.Optimizer:
    cfg = dict(constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=LR, weight_decay=WD),
               paramwise_cfg=paramwise)
    return build_optim_wrapper(model, cfg).optimizer


def scales(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    """name -> (lr / base lr, weight decay), checking each parameter is in one group."""
    by_param = {}
    for group in optimizer.param_groups:
        for param in group['params']:
            assert id(param) not in by_param, 'a parameter is in two groups'
            by_param[id(param)] = (group['lr'] / LR, group['weight_decay'])
    names = {name: by_param[id(p)] for name, p in model.named_parameters() if p.requires_grad}
    assert len(by_param) == len(names), 'groups hold parameters the model does not train'
    return names


def check(got: dict, expected: dict) -> None:
    for name, (scale, wd) in expected.items():
        assert got[name][0] == pytest.approx(scale), name
        assert got[name][1] == pytest.approx(wd), name


# ConvNeXt depths [1, 1, 4, 1], num_layers=6: ids ds0 0, s0 1, ds1/s1 2, ds2 3,
# s2.{0,1,2} 3, s2.3 4, ds3/s3 6, rest 7  ->  scale 0.5 ** (7 - id).
LAYER_WISE = {
    'backbone.downsample_layers.0.0.weight': (1 / 128, WD),
    'backbone.downsample_layers.0.0.bias': (1 / 128, 0.),
    'backbone.downsample_layers.0.1.weight': (1 / 128, 0.),
    'backbone.downsample_layers.1.0.weight': (1 / 32, 0.),
    'backbone.downsample_layers.1.1.weight': (1 / 32, WD),
    'backbone.downsample_layers.2.1.weight': (1 / 16, WD),
    'backbone.downsample_layers.3.1.weight': (1 / 2, WD),
    'backbone.downsample_layers.3.1.bias': (1 / 2, 0.),
    'backbone.stages.0.0.dwconv.weight': (1 / 64, WD),
    'backbone.stages.0.0.gamma': (1 / 64, 0.),
    'backbone.stages.1.0.pwconv1.weight': (1 / 32, WD),
    'backbone.stages.2.0.pwconv1.weight': (1 / 16, WD),
    'backbone.stages.2.2.pwconv2.weight': (1 / 16, WD),
    'backbone.stages.2.3.pwconv2.weight': (1 / 8, WD),
    'backbone.stages.2.3.pwconv2.bias': (1 / 8, 0.),
    'backbone.stages.2.3.norm.weight': (1 / 8, 0.),
    'backbone.stages.3.0.dwconv.weight': (1 / 2, WD),
    'backbone.stages.3.0.pwconv1.weight': (1 / 2, WD),
    'backbone.norm0.bias': (1., 0.),
    'backbone.norm3.weight': (1., 0.),
    'neck.weight': (1., WD),
    'neck.bias': (1., 0.),
}

# stage_wise, num_layers=6: ds.* 0, stages.i i+1, rest 7.
STAGE_WISE = {
    'backbone.downsample_layers.0.0.weight': (1 / 128, WD),
    'backbone.downsample_layers.3.1.weight': (1 / 128, WD),
    'backbone.downsample_layers.2.0.bias': (1 / 128, 0.),
    'backbone.stages.0.0.dwconv.weight': (1 / 64, WD),
    'backbone.stages.1.0.pwconv2.weight': (1 / 32, WD),
    'backbone.stages.2.3.pwconv1.weight': (1 / 16, WD),
    'backbone.stages.3.0.gamma': (1 / 8, 0.),
    'backbone.stages.3.0.pwconv1.weight': (1 / 8, WD),
    'backbone.norm2.weight': (1., 0.),
    'neck.weight': (1., WD),
}


def test_layer_wise_convnext_in_detector():
    model = FakeDetector(ConvNeXt(arch=TINY_ARCH))
    check(scales(model, build(model, decay_rate=0.5, decay_type='layer_wise', num_layers=6)),
          LAYER_WISE)


def test_stage_wise_convnext_in_detector():
    model = FakeDetector(ConvNeXt(arch=TINY_ARCH))
    check(scales(model, build(model, decay_rate=0.5, decay_type='stage_wise', num_layers=6)),
          STAGE_WISE)


def test_official_ids_full_size_models():
    """Spot checks of the paper configs' ids: T with 6 layers, B with 12.

    Ids depend on depths only, so T/B depths with 8 channels stand in for them.
    """
    tiny = ConvNeXt(arch=dict(depths=[3, 3, 9, 3], channels=[8, 8, 8, 8]))
    base = ConvNeXt(arch=dict(depths=[3, 3, 27, 3], channels=[8, 8, 8, 8]))
    expected_tiny = {'stages.2.0.dwconv.weight': 3, 'stages.2.5.dwconv.weight': 4,
                     'stages.2.8.pwconv2.bias': 5, 'stages.3.2.gamma': 6,
                     'downsample_layers.3.0.weight': 6, 'norm3.weight': 7}
    expected_base = {'stages.2.26.dwconv.weight': 11, 'stages.2.14.gamma': 7,
                     'downsample_layers.2.1.weight': 3, 'downsample_layers.3.1.weight': 12,
                     'stages.3.0.norm.bias': 12, 'stages.0.2.gamma': 1, 'norm3.bias': 13}
    for name, layer_id in expected_tiny.items():  # mmpretrain's protocol: (id, max id 6 + 2)
        assert tiny.get_layer_depth('backbone.' + name, 'backbone.') == (layer_id, 8), name
    for name, layer_id in expected_base.items():
        assert base.get_layer_depth(name) == (layer_id, 14), name
    assert base.get_stage_depth('stages.2.26.dwconv.weight') == (3, 6)
    assert base.get_stage_depth('downsample_layers.2.1.weight') == (0, 6)
    assert base.get_layer_depth('head.fc.weight', 'backbone.') == (13, 14)


def test_tiny_fine_tuned_with_12_layers():
    """The official ImageNet-22k -> 1k fine-tuning of T uses num_layers=12: stage 3 gets id 12."""
    model = FakeDetector(ConvNeXt(arch=TINY_ARCH))
    got = scales(model, build(model, decay_rate=0.5, decay_type='layer_wise', num_layers=12))
    check(got, {'backbone.stages.3.0.dwconv.weight': (1 / 2, WD),      # id 12: 0.5 ** 1
                'backbone.stages.2.3.pwconv1.weight': (0.5 ** 9, WD),  # id 4: 0.5 ** 9
                'backbone.downsample_layers.0.0.weight': (0.5 ** 13, WD),
                'backbone.norm3.weight': (1., 0.), 'neck.weight': (1., WD)})


def test_custom_keys_multiply_on_layer_scale():
    model = FakeDetector(ConvNeXt(arch=TINY_ARCH))
    custom_keys = {'neck': dict(lr_mult=10., decay_mult=0.5),
                   'stages': dict(lr_mult=3.),
                   'stages.3': dict(lr_mult=2., decay_mult=0.)}
    got = scales(model, build(model, decay_rate=0.5, decay_type='layer_wise', num_layers=6,
                              custom_keys=custom_keys))
    check(got, {
        'neck.weight': (10., WD * 0.5),
        'neck.bias': (10., 0.),
        'backbone.stages.3.0.dwconv.weight': (1., 0.),       # 1/2 * 2, longest key wins
        'backbone.stages.0.0.dwconv.weight': (3 / 64, WD),   # 1/64 * 3
        'backbone.stages.2.3.pwconv1.bias': (3 / 8, 0.),
        'backbone.downsample_layers.1.1.weight': (1 / 32, WD),  # no key matches
    })


def test_non_convnext_backbone_generic_rule():
    model = FakeDetector(TinyResNet())
    # layer_wise units in registration order: conv1, bn1, layer1.0, layer1.1,
    # layer2.0, layer2.1 (K=6) -> ids 0..5 with num_layers=5 -> 0.5 ** (6 - id).
    got = scales(model, build(model, decay_rate=0.5, num_layers=5))
    check(got, {
        'backbone.conv1.weight': (1 / 64, WD),
        'backbone.bn1.weight': (1 / 32, 0.),
        'backbone.layer1.0.weight': (1 / 16, WD),
        'backbone.layer1.1.bias': (1 / 8, 0.),
        'backbone.layer2.0.weight': (1 / 4, WD),
        'backbone.layer2.1.weight': (1 / 2, WD),
        'neck.weight': (1., WD),
    })
    # stage_wise units: conv1, bn1, layer1, layer2 (K=4) spread over 0..6 ->
    # ids 0, 2, 4, 6 -> 0.5 ** (7 - id).
    got = scales(model, build(model, decay_rate=0.5, decay_type='stage_wise', num_layers=6))
    check(got, {
        'backbone.conv1.weight': (1 / 128, WD),
        'backbone.bn1.bias': (1 / 32, 0.),
        'backbone.layer1.1.weight': (1 / 8, WD),
        'backbone.layer2.0.weight': (1 / 2, WD),
        'neck.bias': (1., 0.),
    })


def test_host_protocol_backbone_decides_its_ids():
    """A backbone with mmpretrain's ``get_layer_depth(param_name, prefix)`` sets the ids:
    its deepest id (max_id - 2) becomes num_layers, max_id - 1 becomes num_layers + 1."""

    class HostBackbone(TinyResNet):

        def get_layer_depth(self, param_name, prefix=''):
            name = param_name[len(prefix):]
            layer = {'layer1': 1, 'layer2': 2}.get(name.split('.')[0], 0)
            return (3 if name.startswith('bn1') else layer), 4

    model = FakeDetector(HostBackbone())
    got = scales(model, build(model, decay_rate=0.5, num_layers=5))  # 0.5 ** (6 - id)
    check(got, {'backbone.conv1.weight': (1 / 64, WD),     # id 0
                'backbone.layer1.0.weight': (1 / 32, WD),  # id 1
                'backbone.layer2.1.weight': (1 / 2, WD),   # deepest (2) -> 5
                'backbone.bn1.weight': (1., 0.),           # outside (3) -> 6
                'neck.weight': (1., WD)})


def test_bare_backbone_and_frozen_params():
    backbone = ConvNeXt(arch=TINY_ARCH, frozen_stages=1)
    got = scales(backbone, build(backbone, decay_rate=0.5, num_layers=6))
    assert 'stages.0.0.dwconv.weight' not in got  # frozen: not optimised
    assert got['stages.2.3.pwconv1.weight'] == (pytest.approx(1 / 8), WD)
    assert got['norm3.weight'] == (pytest.approx(1.), 0.)


@pytest.mark.parametrize('paramwise, message', [
    (dict(decay_type='layer_wise', num_layers=6), 'decay_rate'),
    (dict(decay_rate=1.5, num_layers=6), 'decay_rate'),
    (dict(decay_rate=0.9, decay_type='block_wise', num_layers=6), 'decay_type'),
    (dict(decay_rate=0.9, num_layers=0), 'num_layers'),
    (dict(decay_rate=0.9, num_layers=6.0), 'num_layers'),
    (dict(decay_rate=0.9, num_layers=6, norm_decay_mult=0.), 'norm_decay_mult'),
])
def test_bad_paramwise_cfg(paramwise, message):
    with pytest.raises(ValueError, match=message):
        LayerDecayOptimWrapperConstructor(
            dict(optimizer=dict(type='AdamW', lr=LR, weight_decay=WD)), paramwise)


def test_missing_weight_decay():
    with pytest.raises(ValueError, match='weight_decay'):
        LayerDecayOptimWrapperConstructor(dict(optimizer=dict(type='AdamW', lr=LR)),
                                          dict(decay_rate=0.9, num_layers=6))


def test_model_without_backbone():
    with pytest.raises(ValueError, match='backbone'):
        build(nn.Sequential(nn.Linear(2, 2)), decay_rate=0.9, num_layers=6)


def test_num_layers_too_small_for_depths():
    """ConvNeXt-S/B need 12 layers: stage 3's 27 blocks reach id 3 + 26 // 3 = 11."""
    model = FakeDetector(ConvNeXt(arch=dict(depths=[1, 1, 27, 1], channels=[8, 8, 8, 8])))
    with pytest.raises(ValueError, match='num_layers >= 11'):
        build(model, decay_rate=0.9, num_layers=6)
