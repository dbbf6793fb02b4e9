"""Effective receptive field (ERF) of a backbone (SLaK, Liu et al., ICLR 2023, Sec. 6.1 and
Appendix F; the measure of Ding et al., RepLKNet, CVPR 2022, and Luo et al., NeurIPS 2016).

The ERF of a feature map is the gradient of its central unit (summed over channels, after a
ReLU) with respect to the input pixels, accumulated over images. The high-contribution area
ratio ``r`` at threshold ``t`` is the area of the smallest centred square holding a fraction
``t`` of the (log-scaled, normalised) contributions, over the input area (Table 10).
"""
from typing import Callable, Dict, Iterable, Sequence

import numpy as np
import torch
from torch import nn

THRESHOLDS = (0.2, 0.3, 0.5, 0.99)


def accumulate_erf(model: nn.Module, images: Iterable[torch.Tensor],
                   feature: Callable[[object], torch.Tensor] = None) -> np.ndarray:
    """Sum over ``images`` of ``|d relu(y_center) / d x|`` summed over channels.

    Args:
        model: maps a ``(1, C, H, W)`` image to a feature map (or a tuple / list
            of them); put it in eval mode beforehand.
        images: ``(C, H, W)`` or ``(1, C, H, W)`` tensors, all of one size.
        feature: picks the feature map from the model's output. Defaults to
            the last element of a tuple / list, or the output itself.

    Returns:
        An ``(H, W)`` array of accumulated contributions.
    """
    feature = feature or (lambda out: out[-1] if isinstance(out, (tuple, list)) else out)
    total = None
    for image in images:
        x = (image if image.dim() == 4 else image[None]).float().clone().requires_grad_(True)
        fmap = feature(model(x))
        if fmap.dim() != 4:
            raise ValueError(f'the ERF needs a spatial feature map (N, C, H, W); got shape '
                             f'{tuple(fmap.shape)}: choose a dense output (no pooling).')
        h, w = fmap.shape[-2:]
        centre = torch.relu(fmap[:, :, h // 2, w // 2]).sum()
        grad, = torch.autograd.grad(centre, x)
        contribution = torch.relu(grad).sum((0, 1)).detach().cpu().numpy()
        total = contribution if total is None else total + contribution
    if total is None:
        raise ValueError('accumulate_erf needs at least one image.')
    return total


def normalized_erf(erf: np.ndarray) -> np.ndarray:
    """``log10(erf + 1)`` scaled to [0, 1] (contributions span orders of magnitude)."""
    scaled = np.log10(erf + 1)
    peak = scaled.max()
    return scaled / peak if peak > 0 else scaled


def high_contribution_ratios(erf: np.ndarray, thresholds: Sequence[float] = THRESHOLDS
                             ) -> Dict[float, float]:
    """Area ratio ``r`` of the smallest centred square holding a fraction ``t`` of the
    contributions, for each threshold ``t`` (Appendix F, Table 10).

    Args:
        erf: an ``(H, W)`` contribution map, e.g. from :func:`normalized_erf`.
        thresholds: fractions in (0, 1].
    """
    h, w = erf.shape
    total = float(erf.sum())
    ratios = {}
    for t in thresholds:
        if not 0 < t <= 1:
            raise ValueError(f'thresholds are fractions in (0, 1], got {t}.')
        ratio = 1.0
        for half in range(max(h, w) // 2 + 1):
            square = erf[max(h // 2 - half, 0):h // 2 + half + 1,
                         max(w // 2 - half, 0):w // 2 + half + 1]
            if total == 0 or square.sum() >= t * total - 1e-9 * total:
                side = 2 * half + 1
                ratio = min(side, h) * min(side, w) / (h * w)
                break
        ratios[t] = ratio
    return ratios


def save_heatmap(erf: np.ndarray, path: str, title: str = '') -> None:
    """Write the normalised ERF as a heat-map PNG (Fig. 3 style), atomically."""
    from mmvisarch.utils.io import atomic_write
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    image = ax.imshow(normalized_erf(erf), cmap='RdYlGn', vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    atomic_write(path, lambda tmp: fig.savefig(tmp, bbox_inches='tight', format='png'))
    plt.close(fig)
