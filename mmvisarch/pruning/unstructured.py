"""Unstructured magnitude pruning and FLOPs-targeted 1x1 pruning.

* Weight-level magnitude pruning (Han et al., 2015) as evaluated in dissertation
  Sec. 3.5.3 / Table 3.6 (Liu et al., "Rethinking the Value of Network Pruning"):
  conv weights only, smallest magnitudes removed globally or with the same
  sparsity in every layer; kept as 0/1 masks (:func:`magnitude_masks`).
* FLOPs-targeted pruning of the 1x1 convolutions (Ghosh et al., "Pruning Compact
  ConvNets for Efficient Inference", 2022, Sec. 3.1, Eq. 1 and App. A.2): a
  model X is pruned to the FLOPs of a smaller Y either uniformly, with sparsity
  ``S = (F(X) - F(Y)) / F_1x1(X)`` in every 1x1 conv, or globally, with one
  magnitude threshold over all 1x1 weights placed so that the sparse FLOPs hit
  the target (:func:`flops_target_masks`).

Sparse FLOPs count a layer of density ``d`` as ``d`` times its dense FLOPs
(the paper's ``S * F`` rule); dense FLOPs come from mmengine's FlopAnalyzer.
"""
from typing import Callable, Dict, Tuple

import torch
from torch import nn

from mmvisarch.analysis.complexity import flops_by_module
from .structured import check_ratio

Masks = Dict[str, torch.Tensor]


def is_conv_weight(name: str, module: nn.Module) -> bool:
    """Conv weights (Table 3.6 prunes 'the set of all convolutional weights')."""
    return isinstance(module, nn.Conv2d)


def is_pointwise_conv(name: str, module: nn.Module) -> bool:
    """1x1 convolutions (Ghosh et al., Sec. 3.1), depthwise/grouped or not."""
    return isinstance(module, nn.Conv2d) and tuple(module.kernel_size) == (1, 1)


def is_pointwise_or_linear(name: str, module: nn.Module) -> bool:
    """1x1 convs and linear layers: the paper's ``F_1x1`` set (Eq. 1) on a model whose
    classifier is an ``nn.Linear`` (the official FBNetV3 head is a 1x1 conv)."""
    return is_pointwise_conv(name, module) or isinstance(module, nn.Linear)


def prunable_modules(model: nn.Module,
                     select: Callable[[str, nn.Module], bool] = is_conv_weight
                     ) -> Dict[str, nn.Module]:
    """Modules whose ``weight`` is pruned, by name."""
    return {name: m for name, m in model.named_modules() if select(name, m)}


def magnitude_masks(model: nn.Module, sparsity: float, scope: str = 'global',
                    select: Callable[[str, nn.Module], bool] = is_conv_weight) -> Masks:
    """0/1 masks removing the ``sparsity`` fraction of smallest-magnitude weights.

    Args:
        model: the model.
        sparsity: fraction of the selected weights to remove, in [0, 1).
        scope: ``'global'`` (one threshold over all selected weights) or
            ``'uniform'`` (the same sparsity in each layer).
        select: which modules' weights are pruned. Defaults to all convs.

    Returns:
        ``{module name: bool mask of its weight}`` (True = kept).
    """
    check_ratio(sparsity, 'sparsity')
    modules = prunable_modules(model, select)
    if not modules:
        raise ValueError('No prunable weights selected in this model.')
    if scope == 'uniform':
        return {name: _keep_largest(m.weight.detach().abs(), sparsity)
                for name, m in modules.items()}
    if scope != 'global':
        raise ValueError(f"scope must be 'global' or 'uniform', got {scope!r}.")
    scores = torch.cat([m.weight.detach().abs().flatten() for m in modules.values()])
    num_pruned = int(round(sparsity * scores.numel()))
    return _masks_from_order(modules, scores, num_pruned)


def _keep_largest(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    num_pruned = int(round(sparsity * weight.numel()))
    mask = torch.ones(weight.numel(), dtype=torch.bool)
    mask[torch.argsort(weight.flatten(), stable=True)[:num_pruned]] = False
    return mask.view_as(weight)


def _masks_from_order(modules: Dict[str, nn.Module], scores: torch.Tensor,
                      num_pruned: int) -> Masks:
    """Remove the ``num_pruned`` smallest ``scores`` (concatenated weights of ``modules``)."""
    flat = torch.ones(scores.numel(), dtype=torch.bool)
    flat[torch.argsort(scores, stable=True)[:num_pruned]] = False
    masks, start = {}, 0
    for name, m in modules.items():
        n = m.weight.numel()
        masks[name] = flat[start:start + n].view_as(m.weight)
        start += n
    return masks


@torch.no_grad()
def apply_masks(model: nn.Module, masks: Masks) -> None:
    """Zero the pruned weights in place."""
    modules = dict(model.named_modules())
    for name, mask in masks.items():
        modules[name].weight.mul_(mask.to(modules[name].weight.dtype))


def sparsity_of(masks: Masks) -> float:
    """Fraction of masked-out weights."""
    total = sum(m.numel() for m in masks.values())
    return 1. - sum(int(m.sum()) for m in masks.values()) / total


def sparse_flops(model: nn.Module, masks: Masks, inputs: Tuple[torch.Tensor, ...],
                 counter: Callable = flops_by_module) -> int:
    """FLOPs with each masked layer counted at its density (``S * F``, Eq. 1).

    ``counter`` returns ``(total, per_module)`` FLOPs: mmengine's by default, or
    :func:`mmvisarch.analysis.complexity.fbnet_flops_by_module` (the paper's counting).
    """
    total, per_module = counter(model, inputs)
    saved = sum(per_module[name] * (1. - float(mask.float().mean()))
                for name, mask in masks.items())
    return int(round(total - saved))


def uniform_sparsity(model: nn.Module, target_flops: float, inputs: Tuple[torch.Tensor, ...],
                     select: Callable[[str, nn.Module], bool] = is_pointwise_conv,
                     counter: Callable = flops_by_module) -> float:
    """Eq. 1: ``S = (F(X) - F(Y)) / F_1x1(X)`` with ``F(Y) = target_flops``; needs only
    the layer shapes (run it on the meta device for a full-size model)."""
    total, per_module = counter(model, inputs)
    f_sel = sum(per_module.get(name, 0) for name in prunable_modules(model, select))
    return (total - float(target_flops)) / f_sel


def flops_target_masks(model: nn.Module, target_flops: float, inputs: Tuple[torch.Tensor, ...],
                       scope: str = 'uniform',
                       select: Callable[[str, nn.Module], bool] = is_pointwise_conv,
                       counter: Callable = flops_by_module) -> Masks:
    """Magnitude masks on the 1x1 convs that bring the model to ``target_flops``.

    ``scope='uniform'``: every selected layer gets the sparsity of Eq. 1,
    ``S = (F(X) - F(Y)) / F_1x1(X)``. ``scope='global'``: the weights of all
    selected layers are ranked by magnitude and removed smallest first until
    the removed FLOPs (each weight of layer ``l`` is worth ``F_l / numel_l``)
    reach ``F(X) - F(Y)`` (App. A.2). ``counter`` as in :func:`sparse_flops`.

    Raises:
        ValueError: when the target is not below the model's FLOPs or needs
            more than all 1x1 FLOPs.
    """
    modules = prunable_modules(model, select)
    if not modules:
        raise ValueError('The model has no 1x1 convolutions to prune.')
    total, per_module = counter(model, inputs)
    f_sel = sum(per_module[name] for name in modules)
    to_remove = total - float(target_flops)
    if not 0 <= to_remove < f_sel:
        raise ValueError(f'Target {target_flops:.4g} FLOPs is unreachable: the model has '
                         f'{total:.4g} FLOPs of which {f_sel:.4g} are in prunable 1x1 convs, '
                         f'so the target must lie in ({total - f_sel:.4g}, {total:.4g}].')
    if scope == 'uniform':
        sparsity = to_remove / f_sel  # Eq. 1
        return {name: _keep_largest(m.weight.detach().abs(), sparsity)
                for name, m in modules.items()}
    if scope != 'global':
        raise ValueError(f"scope must be 'global' or 'uniform', got {scope!r}.")
    scores = torch.cat([m.weight.detach().abs().flatten() for m in modules.values()])
    cost = torch.cat([torch.full((m.weight.numel(),), per_module[name] / m.weight.numel(),
                                 dtype=torch.float64) for name, m in modules.items()])
    order = torch.argsort(scores, stable=True)
    removed = torch.cumsum(cost[order], 0)
    # removed[i]: FLOPs saved by pruning the i + 1 smallest weights; take the count closest
    # to the target
    i = int(torch.searchsorted(removed, torch.tensor(to_remove, dtype=torch.float64)))
    if i >= len(order):
        num_pruned = len(order)
    else:
        under = float(removed[i - 1]) if i > 0 else 0.
        num_pruned = i + 1 if float(removed[i]) - to_remove <= to_remove - under else i
    return _masks_from_order(modules, scores, num_pruned)


def build_timm_model(name: str, pretrained: bool = False, **kwargs) -> nn.Module:
    """An FBNetV3 (or any timm) model, e.g. ``fbnetv3_b``; timm is optional.

    Raises:
        ImportError: with the install hint when timm is missing.
    """
    try:
        import timm
    except ImportError as e:
        raise ImportError(f'Building {name!r} needs timm, which is not installed: '
                          f'`pip install timm`. The pruning functions work on any '
                          f'nn.Module.') from e
    return timm.create_model(name, pretrained=pretrained, **kwargs)
