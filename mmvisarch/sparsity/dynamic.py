"""Dynamic sparsity of SLaK (Liu et al., ICLR 2023, Sec. 4 "sparse groups" and Appendix B).

Sparse initialisation: layer-wise densities from SNIP (Lee et al., 2019), i.e. a
global top-k of the connection sensitivity ``|g * w|`` over all sparse layers on
one batch; only the per-layer ratios are kept and the masks are drawn at random
with them. During training, every ``update_interval`` iterations each layer
drops the ``ceil(p * nonzeros)`` active weights of smallest magnitude and
regrows as many at random, with ``p`` decayed by a cosine schedule.
Reference: https://github.com/VITA-Group/SLaK (``sparse_core.py``, ``funcs.py``).
"""
import math
from collections import OrderedDict
from typing import Callable, Dict

import torch
from torch import nn

from .masks import MASK_NAME, set_mask


def check_sparsity(sparsity: float) -> float:
    """Return ``sparsity`` or raise a clear error when it is outside ``[0, 1)``."""
    if not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
        raise ValueError(f'sparsity is the fraction of weights set to zero and must be in '
                         f'[0, 1) (e.g. 0.4 as in SLaK), got {sparsity!r}.')
    return float(sparsity)


def snip_densities(modules: Dict[str, nn.Module], loss_fn: Callable[[], torch.Tensor],
                   sparsity: float) -> Dict[str, float]:
    """Layer-wise densities from SNIP scores ``|g * w|`` with a global top-k.

    Args:
        modules: the sparse-able modules by name (their ``weight`` is scored).
        loss_fn: computes the training loss of one batch (called once).
        sparsity: the overall fraction of weights to remove.

    Returns:
        ``{name: kept / numel}`` for every module.
    """
    check_sparsity(sparsity)
    weights = [m.weight for m in modules.values()]
    for w in weights:
        w.grad = None
    loss = loss_fn()
    grads = torch.autograd.grad(loss, weights, allow_unused=True)
    scores = [(w.detach() * (g if g is not None else torch.zeros_like(w))).abs().flatten()
              for w, g in zip(weights, grads)]
    all_scores = torch.cat(scores)
    num_keep = int(round((1 - sparsity) * all_scores.numel()))
    if num_keep >= all_scores.numel():
        return OrderedDict((n, 1.0) for n in modules)
    keep = torch.zeros_like(all_scores, dtype=torch.bool)
    keep[torch.topk(all_scores, num_keep, sorted=False).indices] = True  # ties: exact count
    kept = keep.split([s.numel() for s in scores])
    return OrderedDict((name, float(k.float().mean())) for name, k in zip(modules, kept))


def random_mask(shape: torch.Size, density: float, generator: torch.Generator) -> torch.Tensor:
    """A boolean mask with ``round(density * numel)`` ones at random positions."""
    numel = math.prod(shape)
    keep = int(round(density * numel))
    mask = torch.zeros(numel, dtype=torch.bool)
    mask[torch.randperm(numel, generator=generator)[:keep]] = True
    return mask.view(shape)


def cosine_prune_rate(initial: float, iteration: int, total: int,
                      minimum: float = 0.005) -> float:
    """The adaptation rate ``p`` at ``iteration`` of ``total`` (cosine decay, Alg. 1)."""
    progress = min(max(iteration / max(total, 1), 0.0), 1.0)
    return minimum + (initial - minimum) * 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def prune_and_grow(module: nn.Module, rate: float, generator: torch.Generator) -> int:
    """One update of a masked layer: magnitude prune, random regrow of as many.

    The count ``ceil(rate * nonzeros)`` is pruned among the active weights
    (smallest ``|w|`` first) and regrown among the now inactive ones (the
    reference's random growth); regrown weights start at zero. The layer's
    density is unchanged. Returns the number of weights moved.
    """
    mask = getattr(module, MASK_NAME)
    flat_mask = mask.flatten()
    active = flat_mask.nonzero().squeeze(1)
    count = min(math.ceil(rate * active.numel()), active.numel())
    if count == 0 or active.numel() == flat_mask.numel():
        return 0
    magnitude = module.weight.detach().flatten()[active].abs()
    pruned = active[torch.topk(magnitude, count, largest=False).indices]
    new_mask = flat_mask.clone()
    new_mask[pruned] = False
    inactive = (~new_mask).nonzero().squeeze(1)
    grown = inactive[torch.randperm(inactive.numel(), generator=generator)[:count].to(
        inactive.device)]
    new_mask[grown] = True
    set_mask(module, new_mask.view_as(mask))
    return count


def init_random_masks(modules: Dict[str, nn.Module], densities: Dict[str, float],
                      generator: torch.Generator, dense_threshold: float = 0.99
                      ) -> Dict[str, float]:
    """Give each module a random mask with its density; layers at or above
    ``dense_threshold`` stay dense (unmasked), as in the reference."""
    applied = OrderedDict()
    for name, module in modules.items():
        density = densities[name]
        if density >= dense_threshold:
            continue
        set_mask(module, random_mask(module.weight.shape, density, generator))
        applied[name] = density
    return applied
