"""Eq. 1 of "Pruning Compact ConvNets" on our FBNetV3 networks gives Table 1's uniform
sparsities; the two rows seeded by FBNetV3-F do not (a slip of the paper, see
configs/fbnetv3/README.md)."""
import pytest
import torch
from torch import nn

from mmvisarch.analysis.complexity import fbnet_flops_by_module
from mmvisarch.models.backbones.fbnetv3 import FBNETV3_ARCHS, FBNetV3
from mmvisarch.pruning.unstructured import (flops_target_masks, is_pointwise_or_linear,
                                            sparsity_of, uniform_sparsity)

# Table 1: seed, target, uniform sparsity (%) as printed
TABLE1 = [('b', 'a', 26.59), ('c', 'a', 40.7), ('c', 'b', 19.4), ('d', 'b', 31.47),
          ('d', 'c', 15.04), ('e', 'c', 31.0), ('e', 'd', 17.8), ('g', 'e', 71.67),
          ('g', 'f', 49.69)]
F_ROWS = [('f', 'd', 38.2), ('f', 'e', 29.8)]


class Classifier(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.backbone = FBNetV3(arch)
        self.neck = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1984, 1000)

    def forward(self, x):
        return self.fc(self.neck(self.backbone(x)[-1]).flatten(1))


def image(arch, size=None):
    size = size or FBNETV3_ARCHS[arch]['input_size']
    return (torch.zeros(1, 3, size, size), )


def flops(arch):
    with torch.device('meta'):
        return fbnet_flops_by_module(Classifier(arch), image(arch))[0]


def eq1(seed, target):
    with torch.device('meta'):
        return 100 * uniform_sparsity(Classifier(seed), flops(target), image(seed),
                                      is_pointwise_or_linear, fbnet_flops_by_module)


def f1x1(arch, size):
    with torch.device('meta'):
        model = Classifier(arch)
        _, per = fbnet_flops_by_module(model, image(arch, size))
    return sum(per[n] for n, m in model.named_modules() if is_pointwise_or_linear(n, m))


@pytest.mark.parametrize('seed,target,printed', TABLE1)
def test_eq1_gives_table1_uniform_sparsity(seed, target, printed):
    assert eq1(seed, target) == pytest.approx(printed, abs=0.05)


@pytest.mark.parametrize('seed,target,printed', F_ROWS)
def test_f_seed_rows_match_f_at_320_not_272(seed, target, printed):
    # F at its own 272 px: 1181.6 MFLOPs of which 1045.4 in 1x1 convs
    assert eq1(seed, target) == pytest.approx({'d': 51.39, 'e': 40.14}[target], abs=0.01)
    # the printed values divide by F's 1x1 FLOPs at 320 px (1405.5M > F's 1181.6M in total)
    assert f1x1('f', 320) > flops('f')
    s = 100 * (flops('f') - flops(target)) / f1x1('f', 320)
    assert s == pytest.approx(printed, abs=0.06)


def test_uniform_masks_reach_target_flops():
    torch.manual_seed(0)
    model = Classifier('b').eval()
    inputs = image('b')
    masks = flops_target_masks(model, flops('a'), inputs, 'uniform', is_pointwise_or_linear,
                               fbnet_flops_by_module)
    assert 'fc' in masks and 'backbone.stages.xif3_0.se.se.1' in masks
    assert 100 * sparsity_of(masks) == pytest.approx(26.59, abs=0.06)
