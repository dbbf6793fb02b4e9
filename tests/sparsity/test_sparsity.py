"""Plain-torch sparsity core: SNIP ratios, random masks, prune-and-grow, mask state."""
import math

import pytest
import torch
from torch import nn

from mmvisarch.models.backbones.slak import SLaK
from mmvisarch.sparsity import (MASK_NAME, apply_masks, check_sparsity, cosine_prune_rate,
                                enable_mask_loading, init_random_masks, masks_from_zeros,
                                prune_and_grow, random_mask, set_mask, snip_densities,
                                sparse_candidates, sparsity_stats)


def test_snip_densities_follow_the_reference_threshold_of_grad_times_weight():
    """|g * w| is 2..2.9 for ``a`` and 1..1.9 for ``b``: keeping half keeps all of ``a``. As
    the reference, a score counts when strictly above the k-th largest, so a tie at the
    threshold (the constant scores of ``c``) keeps nothing."""
    a, b = nn.Linear(5, 2), nn.Linear(5, 2)
    with torch.no_grad():
        a.weight.copy_(torch.linspace(1, 1.45, 10).view(2, 5))
        b.weight.copy_(-torch.linspace(1, 1.9, 10).view(2, 5))
    loss = lambda: 2 * a.weight.sum() + (-b.weight).sum()  # noqa: E731
    assert snip_densities({'a': a, 'b': b}, loss, 0.5) == pytest.approx({'a': 0.9, 'b': 0.0})
    assert snip_densities({'a': a, 'b': b}, loss, 0.25) == pytest.approx({'a': 1.0, 'b': 0.4})
    c = nn.Linear(5, 2)
    nn.init.ones_(c.weight)
    assert snip_densities({'c': c}, lambda: c.weight.sum(), 0.5) == {'c': 0.0}


def test_random_mask_has_exact_count():
    mask = random_mask((7, 1, 5, 3), 0.6, torch.Generator().manual_seed(1))
    assert mask.dtype == torch.bool and int(mask.sum()) == round(0.6 * 105)


def test_prune_and_grow_keeps_density_prunes_smallest_and_regrows_zeros():
    layer = nn.Linear(10, 10)
    with torch.no_grad():
        layer.weight.copy_(torch.arange(1, 101, dtype=torch.float).view(10, 10))
    mask = torch.zeros(100, dtype=torch.bool)
    mask[50:] = True  # active weights are 51..100
    set_mask(layer, mask.view(10, 10))
    moved = prune_and_grow(layer, 0.3, torch.Generator().manual_seed(0))
    new_mask = getattr(layer, MASK_NAME).flatten()
    assert moved == math.ceil(0.3 * 50) == 15
    assert int(new_mask.sum()) == 50
    assert int(new_mask[:65].sum()) == 15, '15 regrown among the inactive and just-pruned'
    assert new_mask[65:].all(), 'the 35 largest active weights must survive'
    grown = new_mask & ~mask
    assert int(grown.sum()) >= 1 and (layer.weight.flatten()[grown] == 0).all()


def test_cosine_prune_rate_schedule():
    assert cosine_prune_rate(0.3, 0, 1000) == pytest.approx(0.3)
    assert cosine_prune_rate(0.3, 1000, 1000) == pytest.approx(0.005)
    assert cosine_prune_rate(0.3, 500, 1000) == pytest.approx((0.3 + 0.005) / 2)


def test_targets_masks_from_zeros_and_stats():
    model = SLaK(arch=dict(depths=[1, 1, 1, 1], channels=[8] * 4, kernel_sizes=[7, 7, 5, 5],
                           small_kernel=3))
    large = sparse_candidates(model, 'large_kernel')
    assert len(large) == 8 and all(n.endswith(('LoRA1.conv', 'LoRA2.conv')) for n in large)
    every = sparse_candidates(model, 'all')
    assert 'downsample_layers.0.0' in every and 'stages.0.0.pwconv1' in every
    assert 'stages.0.0.large_kernel.small_conv.conv' in every
    assert not any('norm' in n or '.bn' in n for n in every)
    init_random_masks(large, {n: 0.5 for n in large}, torch.Generator().manual_seed(0))
    stats = sparsity_stats(model)
    assert stats['masked_layers'] == 8 and stats['sparsity'] == pytest.approx(0.5, abs=0.01)
    derived = masks_from_zeros(every)
    assert set(derived) == set(large)
    for name, mask in derived.items():
        assert torch.equal(mask, getattr(large[name], MASK_NAME))


def test_masks_load_into_a_fresh_model_and_are_reapplied():
    arch = dict(depths=[1, 1, 1, 1], channels=[8] * 4, kernel_sizes=[7, 7, 5, 5], small_kernel=3)
    model = SLaK(arch=arch)
    large = sparse_candidates(model, 'large_kernel')
    init_random_masks(large, {n: 0.6 for n in large}, torch.Generator().manual_seed(0))
    state = model.state_dict()
    assert any(k.endswith('.' + MASK_NAME) for k in state)
    fresh = SLaK(arch=arch)  # SLaK enables mask loading itself
    result = fresh.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    plain = nn.Sequential(nn.Linear(4, 4))
    set_mask(plain[0], torch.eye(4, dtype=torch.bool))
    other = nn.Sequential(nn.Linear(4, 4))
    enable_mask_loading(other)
    other.load_state_dict(plain.state_dict())
    with torch.no_grad():
        other[0].weight.fill_(1.0)
    apply_masks(other)
    assert torch.equal(other[0].weight, torch.eye(4))


@pytest.mark.parametrize('bad', [-0.1, 1.0, 1.5, '0.4', None])
def test_sparsity_outside_unit_interval_raises(bad):
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        check_sparsity(bad)


def test_bad_targets_and_mask_shape_raise():
    with pytest.raises(ValueError, match='regular expression'):
        sparse_candidates(nn.Linear(2, 2), targets='(unclosed')
    with pytest.raises(ValueError, match='does not fit'):
        set_mask(nn.Linear(2, 3), torch.ones(2, 2, dtype=torch.bool))
