"""An input smaller than the network's total stride names the model's minimum size."""
import pytest
import torch

TINY = dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32])


def _build(kind):
    from mmvisarch.models.backbones import ConvNeXt, SLaK
    from mmvisarch.models.backbones.convnext import ConvNeXtIsotropic
    if kind == 'convnext':
        return ConvNeXt(arch=TINY), 32
    if kind == 'slak':
        return SLaK(arch=dict(TINY, kernel_sizes=[7, 7, 5, 3], small_kernel=3)), 32
    return ConvNeXtIsotropic(arch=dict(depth=1, channels=16)), 16


@pytest.mark.parametrize('kind', ['convnext', 'slak', 'isotropic'])
def test_too_small_input_names_the_minimum(kind):
    model, need = _build(kind)
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 3, need, need))  # the minimum itself runs
        with pytest.raises(ValueError, match=f'at least {need}x{need} pixels.*got {need - 1}x'):
            model(torch.randn(1, 3, need - 1, need + 8))


def test_pruned_vgg_names_the_minimum():
    from mmvisarch.models.utils import min_input_size
    from torch import nn
    # the rule on a VGG-style stack: five 2x2 pools -> 32 (a hand count)
    layers = []
    for _ in range(5):
        layers += [nn.Conv2d(3, 3, 3, padding=1), nn.MaxPool2d(2)]
    assert min_input_size(nn.Sequential(*layers)) == 32


def test_pruned_vgg_backbone_names_its_minimum():
    from mmvisarch.models.backbones.pruned.vgg import PrunedVGG
    model = PrunedVGG(arch='vgg11').eval()
    with pytest.raises(ValueError, match='PrunedVGG needs inputs of at least 16x16'):
        model(torch.randn(1, 3, 8, 8))
