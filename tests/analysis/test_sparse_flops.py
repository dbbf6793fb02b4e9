"""Dense and sparsity-aware parameters / FLOPs against the SLaK paper (Tables 1-3).

FLOPs are multiply-adds at 224x224 with a 1000-class linear head, as in the paper.
"""
import pytest
import torch
from torch import nn

from mmvisarch.analysis.sparse_flops import sparse_complexity
from mmvisarch.models.backbones.slak import SLaK
from mmvisarch.sparsity import set_mask, sparse_candidates

CONVNEXT_T = dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768], small_kernel=5)


class Classifier(nn.Module):
    def __init__(self, **backbone):
        super().__init__()
        self.backbone = SLaK(out_indices=-1, gap_before_final_norm=True, **backbone)
        self.head = nn.Linear(self.backbone.channels[-1], 1000)

    def forward(self, x):
        return self.head(self.backbone(x)[0])


def counts(model):
    result = sparse_complexity(model)
    return {k: result[k] / (1e6 if 'params' in k else 1e9) for k in
            ('params', 'sparse_params', 'flops', 'sparse_flops')}


def test_sparse_flops_scale_with_density_by_hand():
    """One conv: 8 x 4 x 3 x 3 weights at 10 x 10 outputs = 28,800 MACs; half masked -> half."""
    conv = nn.Conv2d(4, 8, 3, padding=1, bias=False)
    dense = sparse_complexity(conv, input_shape=(4, 10, 10))
    assert dense['flops'] == dense['sparse_flops'] == 8 * 4 * 9 * 100
    mask = torch.zeros(8, 4, 3, 3, dtype=torch.bool)
    mask[:4] = True
    set_mask(conv, mask)
    sparse = sparse_complexity(conv, input_shape=(4, 10, 10))
    assert sparse['sparse_flops'] == 8 * 4 * 9 * 100 / 2
    assert sparse['sparse_params'] == 8 * 4 * 9 / 2 and sparse['sparsity'] == 0.5


def test_slak_tiny_table3_dense_and_sparse():
    """Table 3: SLaK-T 30M / 5.0G sparse, 50M / 8.7G without sparsity-aware counting."""
    model = Classifier(arch='tiny')
    for module in sparse_candidates(model, 'all').values():  # 40% of every weight removed
        set_mask(module, (torch.arange(module.weight.numel()) % 5 < 3).view_as(module.weight))
    result = counts(model)  # one trace gives the dense and the sparsity-aware numbers
    assert result['params'] == pytest.approx(50, abs=1.0)
    assert round(result['flops'], 1) == 8.7
    assert round(result['sparse_params']) == 30
    # uniform 40% gives 5.26G; the paper's SNIP ratios on ImageNet prune FLOP-heavy layers
    # a little more (5.0G), so only the band between is checked here
    assert 4.9 <= result['sparse_flops'] <= 0.61 * result['flops']


@pytest.mark.parametrize('decomposed, params, flops', [(False, 38, 9.4), (True, 31, 5.4)])
def test_convnext_t_51_kernels_tables_1_and_2(decomposed, params, flops):
    """ConvNeXt-T with 51-49-47-13 kernels: naive / RepLKNet 38M 9.3-9.4G (Table 1),
    decomposed 31M 5.4G (Table 2)."""
    result = counts(Classifier(arch=dict(CONVNEXT_T, kernel_sizes=[51, 49, 47, 13]),
                               decomposed=decomposed))
    assert result['params'] == pytest.approx(params, abs=0.7)
    assert result['flops'] == pytest.approx(flops, abs=0.1)


@pytest.mark.slow
@pytest.mark.parametrize('arch, decomposed, params, flops', [
    (dict(CONVNEXT_T, kernel_sizes=[61, 59, 57, 13]), False, 43, 11.6),
    (dict(CONVNEXT_T, kernel_sizes=[61, 59, 57, 13]), True, 31, 5.6),
    (dict(CONVNEXT_T, kernel_sizes=[31, 29, 27, 13]), True, 30, 5.0),
    ('small', True, 91, 16.7),
    ('base', True, 158, 28.5),
])
def test_other_paper_rows(arch, decomposed, params, flops):
    """Tables 1-3: 61-59-57-13 naive / decomposed, 31-29-27-13 decomposed, SLaK-S/B dense."""
    result = counts(Classifier(arch=arch, decomposed=decomposed))
    assert result['params'] == pytest.approx(params, abs=0.7)
    assert result['flops'] == pytest.approx(flops, abs=0.1)
