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
from typing import Callable, Dict, Optional

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
    """Layer-wise densities from SNIP scores ``|g * w|`` with a global threshold.

    As the reference's ``SNIP`` (``sparse_core.py``): ``k = int(numel * (1 -
    sparsity))`` scores are kept globally, the threshold is the k-th largest
    score and a weight counts as kept when its score is strictly above it.

    Args:
        modules: the sparse-able modules by name (their ``weight`` is scored).
        loss_fn: computes the loss of one batch (called once).
        sparsity: the overall fraction of weights to remove.

    Returns:
        ``{name: kept / numel}`` for every module.
    """
    check_sparsity(sparsity)
    weights = [m.weight for m in modules.values()]
    loss = loss_fn()
    grads = torch.autograd.grad(loss, weights, allow_unused=True)
    scores = [(w.detach() * (g if g is not None else torch.zeros_like(w))).abs().flatten()
              for w, g in zip(weights, grads)]
    all_scores = torch.cat(scores)
    num_keep = int(all_scores.numel() * (1 - sparsity))
    if num_keep >= all_scores.numel():
        return OrderedDict((n, 1.0) for n in modules)
    if num_keep == 0:
        return OrderedDict((n, 0.0) for n in modules)
    threshold = torch.topk(all_scores, num_keep, sorted=True).values[-1]
    return OrderedDict((name, float((score > threshold).float().mean()))
                       for name, score in zip(modules, scores))


def erk_densities(shapes: Dict[str, torch.Size], density: float,
                  power_scale: float = 1.0) -> Dict[str, float]:
    """Erdos-Renyi-Kernel layer densities (Evci et al., 2020), the reference's ``ERK`` init.

    Each layer's density is ``eps * (sum(shape) / prod(shape)) ** power_scale``
    with ``eps`` chosen so that the overall density is ``density``; a layer that
    would exceed 1 is made dense and ``eps`` recomputed (``sparse_core.py``,
    ``Masking.init(mode='ERK')``).
    """
    dense: set = set()
    while True:
        rhs, divisor, raw = 0.0, 0.0, {}
        for name, shape in shapes.items():
            numel = math.prod(shape)
            if name in dense:
                rhs -= numel * (1 - density)
            else:
                rhs += numel * density
                raw[name] = (sum(shape) / numel) ** power_scale
                divisor += raw[name] * numel
        if not raw:
            break
        epsilon = rhs / divisor
        max_prob = max(raw.values())
        if max_prob * epsilon <= 1:
            break
        dense.update(n for n, p in raw.items() if p == max_prob)
    return OrderedDict((n, 1.0 if n in dense else epsilon * raw[n]) for n in shapes)


DRAWS = ('exact', 'bernoulli')
PRUNE_MODES = ('magnitude',)
GROWTH_MODES = ('random', 'momentum')


def random_mask(shape: torch.Size, density: float, generator: torch.Generator,
                draw: str = 'exact') -> torch.Tensor:
    """A random boolean mask: ``round(density * numel)`` ones at random positions
    (``draw='exact'``), or each position on with probability ``density``
    (``draw='bernoulli'``, the reference's ``torch.rand(shape) < density``)."""
    numel = math.prod(shape)
    if draw == 'bernoulli':
        return (torch.rand(numel, generator=generator) < density).view(shape)
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
def prune_and_grow(module: nn.Module, rate: float, generator: torch.Generator,
                   growth: str = 'random', draw: str = 'exact',
                   growth_score: Optional[torch.Tensor] = None) -> int:
    """One update of a masked layer: magnitude prune, then regrow as many.

    The reference's ``truncate_weights`` with ``magnitude_prune``: the
    ``ceil(rate * nonzeros)`` active weights of smallest ``|w|`` are pruned.
    Growth (``funcs.py``): ``'random'`` regrows that many inactive positions at
    random (``draw='exact'``, the default) or, as the reference's
    ``random_growth`` (``draw='bernoulli'``), turns on every position with
    probability ``removed / inactive``, so the count varies; ``'momentum'``
    regrows the inactive positions of largest ``growth_score`` (the
    reference's ``momentum_growth``). Call it on masked weights: the regrown
    positions then hold zeros. Returns the number of weights pruned.
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
    if growth == 'momentum':
        if growth_score is None:
            raise ValueError('momentum growth needs the optimizer momentum of the weight.')
        score = growth_score.detach().flatten()[inactive].abs()
        grown = inactive[torch.topk(score, count).indices]
        new_mask[grown] = True
    elif draw == 'bernoulli':
        probability = count / inactive.numel()
        new_mask |= (torch.rand(new_mask.numel(), generator=generator)
                     < probability).to(new_mask.device)
    else:
        grown = inactive[torch.randperm(inactive.numel(), generator=generator)[:count].to(
            inactive.device)]
        new_mask[grown] = True
    set_mask(module, new_mask.view_as(mask))
    return count


def init_random_masks(modules: Dict[str, nn.Module], densities: Dict[str, float],
                      generator: torch.Generator, dense_threshold: float = 0.99,
                      draw: str = 'exact') -> Dict[str, float]:
    """Give each module a random mask with its density; layers whose mask is at
    least ``dense_threshold`` dense stay dense (all-ones mask), as the reference
    drops their masks."""
    applied = OrderedDict()
    for name, module in modules.items():
        mask = random_mask(module.weight.shape, densities[name], generator, draw)
        density = float(mask.float().mean())
        if density >= dense_threshold:
            continue
        set_mask(module, mask)
        applied[name] = density
    return applied
