"""Each config builds the reference's network (Eric-mingjie/rethinking-network-pruning).

Every number below was computed by running the reference code (commit 2ac473d, CPU; models built
with their defaults; see tests/data/README.md, "pruning"): parameter counts of the weight-level
``preresnet(depth=110)`` / ``vgg19_bn``, the network-slimming ``vgg(depth=19)``, ThiNet's
``thinet30/50/70``, and ``compute_flops.print_model_param_flops`` at 32 px for L1-norm VGG-16,
VGG-16-A and ResNet-56.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmvisarch.models.backbones.pruned import PrunedResNet
from mmvisarch.pruning.complexity import reference_flops
from mmvisarch.pruning.io import build_model
from tests.conftest import REPO_ROOT

CFG = osp.join(REPO_ROOT, 'configs', 'pruning')


def _params(model):
    return sum(p.numel() for p in model.parameters())


def _model(name):
    return build_model(Config.fromfile(osp.join(CFG, name + '.py')))


@pytest.mark.parametrize('name,params', [
    ('magnitude_preresnet110_1xb64-160e_cifar10', 1_146_842),    # Bottleneck x 12 per stage
    ('magnitude_vgg19_1xb64-160e_cifar10', 20_040_522),          # conv bias, Linear(512, 10)
    ('slimming_vgg19_1xb64-160e-sparsity_cifar10', 20_035_018),  # Linear(cfg[-1], 10)
    ('slimming_vgg19_1xb64-160e-sparsity_cifar100', 20_081_188),
    # network-slimming densenet(depth=40) / resnet(depth=164) without the channel_selection
    # indexes (nn.Parameters of ones in the reference, not weights)
    ('slimming_densenet40_1xb64-160e-sparsity_cifar10', 1_059_298),
    ('slimming_preresnet164_1xb64-160e-sparsity_cifar10', 1_703_258),
])
def test_configs_build_the_reference_network(name, params):
    assert _params(_model(name)) == params


def test_method_configs_inherit_their_own_base():
    """Slimming and weight-level configs do not inherit the L1-norm VGG head."""
    for name in ('slimming_vgg19_1xb64-160e-sparsity_cifar10', 'magnitude_vgg19_1xb64-160e_cifar10',
                 'magnitude_preresnet110_1xb64-160e_cifar10',
                 'slimming_preresnet164_1xb64-160e-sparsity_cifar10'):
        cfg = Config.fromfile(osp.join(CFG, name + '.py'))
        assert cfg.model.head.type == 'LinearClsHead', name
        assert 'l1-norm' not in open(osp.join(CFG, name + '.py')).read().split('_base_')[1]


@pytest.mark.parametrize('preset,params', [('resnet50-thinet-30', 8_669_158),
                                           ('resnet50-thinet-50', 12_385_704),
                                           ('resnet50-thinet-70', 16_949_086)])
def test_thinet_downsample_bias_gives_reference_params(preset, params):
    backbone = PrunedResNet(spec=preset, downsample_bias=True)
    assert _params(backbone) + 2048 * 1000 + 1000 == params
    # the ThiNet configs build that network
    cfg = Config.fromfile(osp.join(CFG, f'thinet_resnet50-{preset[-2:]}_8xb32-scratch-e-90e_in1k.py'))
    assert cfg.model.backbone.downsample_bias is True


def test_reference_flops_counting():
    """Whole-model FLOPs as compute_flops.py counts them (the Scratch-B ratio)."""
    assert reference_flops(_model('l1-norm_vgg16_1xb64-160e_cifar10'), 32) == 627_880_970
    assert reference_flops(_model('l1-norm_vgg16-A_1xb64-scratch-b-243e_cifar10'), 32) == \
        413_364_234
    # the reference's ResNet has an nn.AvgPool2d(8) module (8 * 8 * 64 = 4096 counted); our
    # neck is GlobalAveragePooling (AdaptiveAvgPool2d, not counted), the only difference
    assert reference_flops(_model('l1-norm_resnet56_1xb64-160e_cifar10'), 32) == \
        252_572_938 - 4096


def test_option_a_detach_cuts_only_the_shortcut_gradient():
    """Reference option A: ``Variable(torch.cat([x.data, zeros]))`` -- same forward, no gradient
    through the zero-padded shortcut (cifar/l1-norm-pruning/models/resnet.py)."""
    torch.manual_seed(0)
    arch = dict(block='basic', depths=(1, 1, 1), channels=(4, 8, 16), stem='cifar', shortcut='A')
    a, b = PrunedResNet(arch), PrunedResNet(arch, option_a_detach=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 16, 16)
    ya, yb = a(x)[-1], b(x)[-1]
    assert torch.equal(ya, yb)
    ya.sum().backward()
    yb.sum().backward()
    # layer3's own convs see the same gradient; everything before the option-A block differs
    assert torch.allclose(a.layer3[0].conv2.weight.grad, b.layer3[0].conv2.weight.grad)
    assert not torch.allclose(a.conv1.weight.grad, b.conv1.weight.grad)
    shortcut = b.layer2[0].downsample(torch.randn(2, 4, 16, 16, requires_grad=True))
    assert not shortcut.requires_grad
