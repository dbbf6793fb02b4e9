"""torch.compile of every backbone: no graph breaks (torch._dynamo.explain), and the inductor
(CPU) output equals eager within 1e-5 relative. Inductor compiles are slow on the shared 2-core
machines: one tiny ConvNeXt runs by default, the other families are marked slow."""
import copy

import pytest
import torch

from mmvisarch.models.backbones import ConvNeXt, ConvNeXtIsotropic, SLaK
from mmvisarch.models.backbones.pruned import PrunedDenseNet, PrunedResNet, PrunedVGG
from mmvisarch.models.backbones.roadmap import ModernizedResNet
from mmvisarch.models.deploy import switch_to_deploy
from tests.models.test_deploy import randomize, rel_diff

BACKBONES = {
    'convnext': lambda: ConvNeXt(dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32])),
    'convnext_iso': lambda: ConvNeXtIsotropic(dict(depth=2, channels=16), out_indices=(0, 1)),
    'slak': lambda: SLaK(dict(depths=[1, 1, 1, 1], channels=[8, 16, 16, 16],
                              kernel_sizes=[13, 11, 9, 7], small_kernel=3)),
    'pruned_resnet': lambda: PrunedResNet(
        arch=dict(block='bottleneck', depths=(1, 2), channels=(8, 16), stem='imagenet',
                  shortcut='B'), spec=dict(widths={'layer1.0.conv1': 5}), out_indices=(0, 1)),
    'pruned_cifar_resnet': lambda: PrunedResNet(
        arch=dict(block='basic', depths=(1, 1), channels=(8, 16), stem='cifar', shortcut='A')),
    'pruned_vgg': lambda: PrunedVGG(arch=dict(cfg=(8, 'M', 16, 16)), out_indices=(0, 1)),
    'pruned_densenet': lambda: PrunedDenseNet(arch=dict(depths=(2, 2), growth_rate=4,
                                                        stem_channels=8)),
    'modernized_resnet': lambda: ModernizedResNet(depths=(1, 1, 1, 1), width=8),
}


@pytest.mark.parametrize('name', sorted(BACKBONES))
@pytest.mark.parametrize('deploy', [False, True])
def test_backbone_has_no_graph_breaks(name, deploy):
    import torch._dynamo as dynamo
    model = randomize(BACKBONES[name]())
    if deploy:
        model = switch_to_deploy(model)
    dynamo.reset()
    explanation = dynamo.explain(model)(torch.randn(2, 3, 32, 32))
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1


def _compiled_equals_eager(name: str, deploy: bool) -> None:
    import torch._dynamo as dynamo
    model = randomize(BACKBONES[name]())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        eager = model(x)
        target = switch_to_deploy(copy.deepcopy(model)) if deploy else copy.deepcopy(model)
        dynamo.reset()
        compiled = torch.compile(target, backend='inductor', fullgraph=True)
        got = compiled(x)
    assert rel_diff(got, eager) < 1e-5


def test_deployed_convnext_compiles_with_inductor_equal_to_eager():
    _compiled_equals_eager('convnext', deploy=True)


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(set(BACKBONES) - {'convnext'}))
def test_every_backbone_compiles_with_inductor_equal_to_eager(name):
    _compiled_equals_eager(name, deploy=False)
    _compiled_equals_eager(name, deploy=True)
