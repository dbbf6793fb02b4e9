"""RBF interpolation of masked-out feature positions (ADP-C, Eq. 2.4-2.6).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), chapter 2 "Anytime Dense Prediction by Confidence",
Sec. 2.3.4; reference code: github.com/liuzhuang13/anytime
(``lib/models/model_anytime.py``, ``conv_mask_uniform``).

The RBF kernel ``exp(-lambda^2 ||p - s||^2)`` is separable into
``exp(-lambda^2 dy^2) * exp(-lambda^2 dx^2)``, so the weighted sums of Eq. 2.5
are computed with two depthwise 1-D convolutions of length ``2r + 1``
(``4r + 2`` multiply-adds per value instead of ``(2r + 1)^2``). In inference,
:func:`sparse_rbf_fill` evaluates Eq. 2.5 at the masked positions only.
"""
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F

from mmvisarch.ops import fused_kernels_usable


WINDOWS = ('kernel_size', 'half_width')
NORMALISATIONS = ('constant', 'in_image')
#: The reference's ``10**(-5)`` added to the sum of the window weights.
REFERENCE_EPS = 1e-5


def _check_radius(radius: int) -> None:
    if not isinstance(radius, int) or isinstance(radius, bool) or radius < 1:
        raise ValueError(f'radius must be an integer >= 1 (the neighbourhood is '
                         f'||s - p||_inf <= radius), got {radius!r}')


def window_reach(radius: int, window: str = 'kernel_size') -> int:
    """Half-width of the fill window for the configured ``radius``.

    ``window='kernel_size'`` (the reference code, ``conv_mask_uniform``: ``r = 7``
    is the side of a 7x7 window, padding 3): ``radius`` must be odd and the
    reach is ``radius // 2``. ``window='half_width'`` (the paper's Eq. 2.6 read
    literally, ``||s - p||_inf <= r``): the reach is ``radius``.
    """
    _check_radius(radius)
    if window == 'kernel_size':
        if radius % 2 != 1 or radius < 3:
            raise ValueError(f'with window="kernel_size" (the reference code) radius is the side '
                             f'of the square window and must be odd and >= 3, got {radius}')
        return radius // 2
    if window == 'half_width':
        return radius
    raise ValueError(f'window must be one of {WINDOWS}, got {window!r}')


def _separable_window_sum(x: torch.Tensor, kernel1d: torch.Tensor) -> torch.Tensor:
    """Sum of ``K(dy) K(dx) x(p + d)`` over the square window (zero padding)."""
    channels = x.shape[1]
    size = kernel1d.numel()
    pad = size // 2
    k_h = kernel1d.view(1, 1, size, 1).expand(channels, 1, size, 1)
    k_w = kernel1d.view(1, 1, 1, size).expand(channels, 1, 1, size)
    x = F.conv2d(x, k_h, padding=(pad, 0), groups=channels)
    return F.conv2d(x, k_w, padding=(0, pad), groups=channels)


def _neighbour_sum_1d(length: int, kernel1d: torch.Tensor) -> torch.Tensor:
    """For each index, the sum of the off-centre taps that land inside ``[0, length)``."""
    reach = kernel1d.numel() // 2
    off_centre = kernel1d.clone()
    off_centre[reach] = 0  # summed apart: 1 + tiny taps would lose them to rounding
    cumsum = torch.cat([kernel1d.new_zeros(1), off_centre.cumsum(0)])
    index = torch.arange(length, device=kernel1d.device)
    first = (reach - index).clamp(min=0)  # first tap inside the image
    last = (reach + length - 1 - index).clamp(max=2 * reach)  # last tap inside
    return cumsum[last + 1] - cumsum[first]


def rbf_kernel1d(lam: torch.Tensor | float, radius: int, like: torch.Tensor) -> torch.Tensor:
    """``exp(-lambda^2 d^2)`` for d = -r..r, without the taps that underflow to 0."""
    _check_radius(radius)
    lam = torch.as_tensor(lam, dtype=like.dtype, device=like.device)
    offsets = torch.arange(-radius, radius + 1, dtype=like.dtype, device=like.device)
    kernel1d = torch.exp(-(lam ** 2) * offsets ** 2)
    # Drop the far taps that are below float32 resolution next to the distance-1
    # tap (exp(-4 lambda^2) / exp(-lambda^2) < 2^-24 for lambda >= 2.4): they change
    # the fill by less than 1e-7 of the feature scale, and cost two passes each.
    keep = kernel1d[radius:] >= kernel1d[radius + 1] * 2.0**-24
    reach = int(keep.sum().item()) - 1
    return kernel1d[radius - reach:radius + reach + 1] if reach < radius else kernel1d


def rbf_fill(zeroed: torch.Tensor, computed: torch.Tensor, kernel1d: torch.Tensor,
             denominator: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Eq. 2.4-2.5 for features that are already 0 at masked-out positions.

    Args:
        zeroed (Tensor): ``(N, C, H, W)``, 0 wherever ``computed`` is False.
        computed (Tensor): Bool ``(N, 1, H, W)``.
        kernel1d (Tensor): From :func:`rbf_kernel1d`.
        denominator (Tensor, optional): :func:`rbf_denominator` (reusable).
    """
    # The centre weight is exp(0) = 1 and the centre value of a masked-out
    # position is 0, so the full window sum is the sum over Omega(p) there.
    numerator = _separable_window_sum(zeroed, kernel1d)
    if denominator is None:
        denominator = rbf_denominator(zeroed.shape[2:], kernel1d)
    return torch.where(computed, zeroed, numerator / denominator)


class FillPlan(NamedTuple):
    """Where the masked-out positions of one mask take their neighbours from.

    For a mask ``(N, H, W)`` (True = computed) and a window reach ``r``:
    ``masked`` are the flat indices (in ``N * H * W``) of masked-out positions;
    ``neighbours[offsets[m]:offsets[m + 1]]`` are the computed in-image
    neighbours of ``masked[m]`` (masked-out neighbours contribute 0 to Eq. 2.5
    and are left out); ``taps`` index each neighbour's offset in the
    ``(2r + 1)^2`` window and ``owner_pixel`` is ``masked`` modulo ``H * W``
    repeated per neighbour (for the denominator).
    """
    masked: torch.Tensor
    neighbours: torch.Tensor
    offsets: torch.Tensor
    taps: torch.Tensor
    owner_pixel: torch.Tensor


def fill_plan(computed: torch.Tensor, reach: int) -> FillPlan:
    """:class:`FillPlan` of a bool mask ``(N, H, W)`` for windows of ``reach``."""
    n, h, w = computed.shape
    flat = computed.reshape(-1)
    masked = (~flat).nonzero().squeeze(1)
    b, rem = masked // (h * w), masked % (h * w)
    y, x = rem // w, rem % w
    d = torch.arange(-reach, reach + 1, device=computed.device)
    ny = y[:, None, None] + d[None, :, None]
    nx = x[:, None, None] + d[None, None, :]
    inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
    index = b[:, None, None] * (h * w) + ny.clamp(0, h - 1) * w + nx.clamp(0, w - 1)
    valid = (inside & flat[index]).flatten(1)  # the centre is masked, so never valid
    bag, tap = valid.nonzero(as_tuple=True)
    counts = valid.sum(1)
    offsets = torch.zeros_like(counts)
    offsets[1:] = counts.cumsum(0)[:-1]
    return FillPlan(masked, index.flatten(1)[bag, tap], offsets, tap, rem[bag])


def sparse_rbf_fill(rows: torch.Tensor, plan: FillPlan, kernel1d: torch.Tensor,
                    denominator: torch.Tensor) -> torch.Tensor:
    """Eq. 2.5 at the masked-out rows of ``rows`` only, in place.

    Args:
        rows (Tensor): ``(N * H * W, C)`` features (channels last) whose
            computed rows are valid; the masked-out rows are overwritten.
        plan (FillPlan): From :func:`fill_plan` with the reach of ``kernel1d``.
        kernel1d (Tensor): From :func:`rbf_kernel1d`.
        denominator (Tensor): :func:`rbf_denominator` ``(H, W)``.
    """
    if plan.masked.numel() == 0:
        return rows
    kernel2d = (kernel1d[:, None] * kernel1d[None, :]).reshape(-1)
    denominator = denominator.contiguous().reshape(-1)
    if fused_kernels_usable(rows, kernel2d, denominator):
        return torch.ops.mmvisarch.rbf_fill(rows, plan.masked, plan.offsets, plan.neighbours,
                                            plan.taps, kernel2d, denominator)
    weights = kernel2d.index_select(0, plan.taps).div_(
        denominator.index_select(0, plan.owner_pixel))
    values = F.embedding_bag(plan.neighbours, rows, plan.offsets, mode='sum',
                             per_sample_weights=weights)
    return rows.index_copy_(0, plan.masked, values)


def rbf_denominator(size: Tuple[int, int], kernel1d: torch.Tensor,
                    normalisation: str = 'in_image') -> torch.Tensor:
    """Denominator of Eq. 2.5 at every position (``(H, W)``).

    ``normalisation='constant'`` (the reference code): the sum of the window
    weights, centre excluded, plus ``1e-5``, the same at every position (the
    window is zero-padded at the borders). ``'in_image'`` (the paper's reading):
    the total weight of the in-image neighbours, centre excluded.
    """
    if normalisation == 'constant':
        # sum over (dy, dx) != 0 of K(dy) K(dx) = (1 + s)^2 - 1 = 2 s + s^2
        reach = kernel1d.numel() // 2
        s = kernel1d[:reach].sum() + kernel1d[reach + 1:].sum()
        value = 2 * s + s * s + REFERENCE_EPS
        return value.expand(tuple(int(v) for v in size))
    if normalisation != 'in_image':
        raise ValueError(f'normalisation must be one of {NORMALISATIONS}, got {normalisation!r}')
    # sum over (dy, dx) != 0 of K(dy) K(dx) = (1 + s_y)(1 + s_x) - 1, expanded so
    # that no 1 is subtracted (lambda = 3: the sum is ~5e-4, float32 would keep 3 digits)
    s_y = _neighbour_sum_1d(size[0], kernel1d)[:, None]
    s_x = _neighbour_sum_1d(size[1], kernel1d)[None, :]
    return (s_y + s_x + s_y * s_x).clamp_min(torch.finfo(kernel1d.dtype).tiny)


def rbf_interpolate(feat: torch.Tensor,
                    mask: torch.Tensor,
                    lam: torch.Tensor | float,
                    radius: int = 7,
                    window: str = 'kernel_size',
                    normalisation: str = 'constant') -> torch.Tensor:
    """Fill masked-out positions by RBF-weighted averages of their neighbours.

    Implements Eq. 2.4-2.6: at positions with ``mask == 0``

    ``I(f)(p) = sum_{s in Omega(p)} W(p, s) f(s) / D(p)``,
    ``W(p, s) = exp(-lambda^2 ||p - s||_2^2)``,
    ``Omega(p) = {s : ||s - p||_inf <= reach, s != p}``,

    where masked-out neighbours enter with value 0 (the paper: "masked-out
    features still participate ... as inputs with values of 0"). Positions with
    ``mask == 1`` keep ``feat`` unchanged. The defaults are the reference
    code's (``conv_mask_uniform``): a ``radius`` x ``radius`` window (reach
    ``radius // 2``) and ``D = sum of the window weights + 1e-5`` everywhere,
    zero padding outside the image. The paper's reading: ``window='half_width'``
    (reach = ``radius``) and ``normalisation='in_image'`` (``D(p)`` = the weight
    of the in-image neighbours).

    Args:
        feat (Tensor): Features ``(N, C, H, W)``.
        mask (Tensor): ``(N, 1, H, W)`` or ``(N, H, W)``; 1 (True) marks a
            computed position, 0 a masked-out one.
        lam (Tensor | float): The RBF scale lambda (learnable in ADP-C).
        radius (int): r; see ``window``. Defaults to 7.
        window (str): 'kernel_size' (reference) or 'half_width' (paper).
        normalisation (str): 'constant' (reference) or 'in_image' (paper).

    Returns:
        Tensor: ``(N, C, H, W)`` features with masked positions interpolated.
    """
    _check_radius(radius)
    if feat.dim() != 4:
        raise ValueError(f'feat must be (N, C, H, W), got shape {tuple(feat.shape)}')
    if mask.dim() == 3:
        mask = mask.unsqueeze(1)
    if mask.shape[0] != feat.shape[0] or mask.shape[1] != 1 or mask.shape[2:] != feat.shape[2:]:
        raise ValueError(f'mask must be (N, 1, H, W) or (N, H, W) matching feat '
                         f'{tuple(feat.shape)}, got {tuple(mask.shape)}')
    computed = mask > 0
    kernel1d = rbf_kernel1d(lam, window_reach(radius, window), feat)
    return rbf_fill(feat * computed, computed, kernel1d,
                    rbf_denominator(feat.shape[2:], kernel1d, normalisation))


def reference_interpolation_macs(computed_fraction: float, channels: int, height: int,
                                 width: int, window_size: int) -> int:
    """The reference's cost of one RBF fill, per image (``lib/utils/modelsummary.py``).

    ``int((1 - p) * p * C * k^2 * H * W)`` with ``p`` the computed fraction and
    ``k`` the window side (7): the formula the reference counts for every
    ``conv_mask_uniform``, so data-dependent GFLOPs equal its ``modelsummary``.
    """
    p = float(computed_fraction)
    return int((1 - p) * p * int(channels) * int(window_size)**2 * int(height) * int(width))


def rbf_interpolation_macs(num_masked: int, channels: int, radius: int) -> int:
    """Multiply-adds of the RBF fill at ``num_masked`` positions (separable count).

    ``radius`` is the window's half-width (reach) here. The window sum of Eq. 2.5 is separable (two 1-D passes of ``2r + 1`` taps),
    so filling one masked value costs ``2 (2r + 1)`` multiply-adds per channel
    (the denominator depends on the position only and is shared by all
    channels). Computed positions cost nothing here; this is the interpolation
    term added to the convolution FLOPs of ADP-C (Sec. 2.4.4, Table 2.3).
    """
    _check_radius(radius)
    return int(num_masked) * int(channels) * 2 * (2 * radius + 1)
