"""Sparsity-aware parameter and FLOP counts (SLaK, Liu et al., ICLR 2023, Table 3).

SLaK reports "theoretical, sparsity-aware" numbers: only nonzero weights count,
and a layer's multiply-adds shrink with its weight density (the reference's
``FLOPs_counter.py`` counts conv MACs with ``weight != 0``). Here the dense
counts come from :class:`mmengine.analysis.FlopAnalyzer` (one fused
multiply-add = one FLOP, as fvcore and the papers) and each module owning a
sparse weight has its FLOPs scaled by that weight's density.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from mmvisarch.sparsity import MASK_NAME
from .complexity import flops_by_module


def weight_density(module: nn.Module) -> float:
    """Fraction of ``module.weight`` that is nonzero (its mask, if it has one)."""
    mask = getattr(module, MASK_NAME, None)
    kept = mask if isinstance(mask, torch.Tensor) else module.weight.detach() != 0
    return float(kept.float().mean())


@torch.no_grad()
def sparse_complexity(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224),
                      inputs: Optional[Union[torch.Tensor, Tuple]] = None
                      ) -> Dict[str, float]:
    """Dense and sparsity-aware parameter and FLOP counts of ``model``.

    Args:
        model: the model (its ``forward`` is traced once, in eval mode).
        input_shape: ``(C, H, W)`` of one image when ``inputs`` is not given.
        inputs: the exact forward inputs. Defaults to None.

    Returns:
        ``params``, ``sparse_params``, ``flops``, ``sparse_flops`` (counts,
        not millions), and ``sparsity`` (1 - sparse_params / params over the
        sparse-able weights).
    """
    if inputs is None:
        param = next(model.parameters())
        inputs = (torch.zeros(1, *input_shape, device=param.device, dtype=param.dtype), )
    flops, per_module = flops_by_module(model, tuple(inputs))

    params = sum(p.numel() for p in model.parameters())
    removed_params = removed_flops = 0.0
    sparse_weights = 0
    for name, module in model.named_modules():
        weight = getattr(module, 'weight', None)
        if not isinstance(weight, nn.Parameter) or weight.ndim not in (2, 4):
            continue
        sparse_weights += weight.numel()
        density = weight_density(module)
        removed_params += (1 - density) * weight.numel()
        removed_flops += (1 - density) * per_module.get(name, 0)
    return dict(params=params, sparse_params=params - removed_params, flops=flops,
                sparse_flops=flops - removed_flops,
                sparsity=removed_params / sparse_weights if sparse_weights else 0.0)
