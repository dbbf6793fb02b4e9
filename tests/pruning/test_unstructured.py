"""Magnitude masks hit their sparsity; FLOPs-targeted 1x1 pruning hits its FLOPs (Eq. 1)."""
import pytest
import torch
from torch import nn

from mmvisarch.analysis.complexity import flops_by_module
from mmvisarch.models.backbones.pruned import PrunedResNet
from mmvisarch.pruning import (apply_masks, flops_target_masks, magnitude_masks,
                               sparse_flops, sparsity_of)
from mmvisarch.pruning.unstructured import build_timm_model, is_pointwise_conv


def tiny_bottleneck():
    torch.manual_seed(0)
    return PrunedResNet(dict(block='bottleneck', depths=(1, 1), channels=(8, 16),
                             stem='cifar', shortcut='B')).eval()


class MobileBlock(nn.Module):
    """Inverted residual with depthwise conv: 1x1 expand, 3x3 dw, 1x1 project (FBNet-like)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.pw = nn.Conv2d(8, 32, 1)
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.pwl = nn.Conv2d(32, 8, 1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.pwl(torch.relu(self.dw(torch.relu(self.pw(x)))))
        return self.fc(x.mean((2, 3)))


@pytest.mark.parametrize('scope', ['global', 'uniform'])
def test_magnitude_masks_hit_sparsity(scope):
    model = tiny_bottleneck()
    masks = magnitude_masks(model, 0.6, scope)
    assert sparsity_of(masks) == pytest.approx(0.6, abs=0.01)
    convs = {n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}
    assert set(masks) == convs
    if scope == 'uniform':
        for mask in masks.values():
            assert 1 - mask.float().mean() == pytest.approx(0.6, abs=1 / mask.numel() + 1e-6)
    else:  # every kept weight is at least as large as every pruned one
        weights = dict(model.named_modules())
        kept = torch.cat([weights[n].weight.abs()[m] for n, m in masks.items()])
        pruned = torch.cat([weights[n].weight.abs()[~m] for n, m in masks.items()])
        assert kept.min() >= pruned.max()
    apply_masks(model, masks)
    for name, mask in masks.items():
        assert (dict(model.named_modules())[name].weight[~mask] == 0).all()


def test_sparse_flops_count_density():
    model = MobileBlock().eval()
    x = (torch.zeros(1, 3, 16, 16),)
    total, per = flops_by_module(model, x)
    # hand count (multiply-adds): stem 3*8*9, pw 8*32, dw 32*9, pwl 32*8 per pixel; fc 8*4
    assert per['pw'] == 16 * 16 * 8 * 32 and per['dw'] == 16 * 16 * 32 * 9
    masks = {'pw': torch.rand(32, 8, 1, 1) > 0.25}
    density = float(masks['pw'].float().mean())
    assert sparse_flops(model, masks, x) == pytest.approx(total - per['pw'] * (1 - density), abs=1)


@pytest.mark.parametrize('scope', ['uniform', 'global'])
@pytest.mark.parametrize('model_fn', [MobileBlock, tiny_bottleneck])
def test_flops_target_within_one_percent(scope, model_fn):
    model = model_fn().eval()
    x = (torch.zeros(1, 3, 16, 16),)
    total, per = flops_by_module(model, x)
    f1x1 = sum(per[n] for n, m in model.named_modules() if is_pointwise_conv(n, m))
    target = total - 0.4 * f1x1
    masks = flops_target_masks(model, target, x, scope=scope)
    assert all(m.shape[-2:] == (1, 1) for m in masks.values())
    assert sparse_flops(model, masks, x) == pytest.approx(target, rel=0.01)
    if scope == 'uniform':  # Eq. 1: S = (F(X) - F(Y)) / F_1x1(X) = 0.4 in every 1x1 layer
        for m in masks.values():
            assert 1 - m.float().mean() == pytest.approx(0.4, abs=1 / m.numel() + 1e-6)


def test_flops_target_unreachable():
    model = MobileBlock().eval()
    x = (torch.zeros(1, 3, 16, 16),)
    total, _ = flops_by_module(model, x)
    with pytest.raises(ValueError, match='unreachable'):
        flops_target_masks(model, total * 0.01, x)
    with pytest.raises(ValueError, match='unreachable'):
        flops_target_masks(model, total * 1.5, x)


@pytest.mark.parametrize('bad', [-0.1, 1.0])
def test_sparsity_outside_range(bad):
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        magnitude_masks(MobileBlock(), bad)


def test_timm_is_optional():
    try:
        import timm  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='pip install timm'):
            build_timm_model('fbnetv3_b')
    else:  # pragma: no cover
        assert isinstance(build_timm_model('fbnetv3_b'), nn.Module)
