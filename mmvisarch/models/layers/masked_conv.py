"""Confidence masks and masked convolutions of ADP-C (Eq. 2.2-2.4).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Sec. 2.3.4 and 2.5.3; reference code:
github.com/liuzhuang13/anytime (``conv_mask_uniform``), which computes the
dense convolution and multiplies by the mask. Here, in inference, the
convolution is evaluated only at computed positions (gather the receptive
fields of active output pixels, one matrix product, scatter back), which gives
a real wall-clock saving; in training the dense-then-mask form is kept
(identical values at computed positions, cheaper autograd).

``AdaptivityContext`` carries the latest exit prediction; every
``MaskedConv2d`` that shares the context derives its mask ``M_i`` at its own
output size from that prediction (Eq. 2.2, "we interpolate y_i to the size of
C's output").
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .rbf import (_check_radius, rbf_denominator, rbf_fill, rbf_interpolation_macs,
                  rbf_kernel1d)

MASK_CRITERIA = ('max_prob', 'max_value', 'entropy', 'topk', 'random')


class AdaptivityContext:
    """Shared state of confidence adaptivity (CA) during one forward pass.

    Args:
        criterion (str): How confidence is measured and thresholded (Sec. 2.5.3):
            ``'max_prob'`` (segmentation: max softmax probability >= threshold
            is confident), ``'max_value'`` (pose: max heatmap value over joints;
            a position is masked out when it is *below* the threshold, i.e.
            confidently not a joint), ``'entropy'`` (entropy of the softmax
            <= threshold), ``'topk'`` (the ``ratio`` most confident positions by
            max probability), ``'random'`` (a random ``ratio`` of positions).
            Defaults to 'max_prob'.
        threshold (float): Threshold in (0, 1] for 'max_prob' / 'max_value';
            any positive value for 'entropy'. Defaults to 0.998.
        ratio (float | Sequence[float]): Fraction masked out for 'topk' and
            'random', one value or one per exit. Defaults to 0.5.
        train (bool): Apply adaptivity in training. Defaults to True.
        test (bool): Apply adaptivity in inference. Defaults to True.
        sparse (bool): In inference, compute convolutions only at computed
            positions (real speed-up). Defaults to True.
    """

    def __init__(self,
                 criterion: str = 'max_prob',
                 threshold: float = 0.998,
                 ratio: float | Sequence[float] = 0.5,
                 train: bool = True,
                 test: bool = True,
                 sparse: bool = True) -> None:
        if criterion not in MASK_CRITERIA:
            raise ValueError(f'criterion must be one of {MASK_CRITERIA}, got {criterion!r}')
        if criterion in ('max_prob', 'max_value') and not 0.0 < threshold <= 1.0:
            raise ValueError(f'threshold for {criterion!r} must be in (0, 1], got {threshold}')
        if criterion == 'entropy' and threshold <= 0:
            raise ValueError(f'entropy threshold must be > 0, got {threshold}')
        ratios = tuple(ratio) if isinstance(ratio, Sequence) else (ratio, )
        if any(not 0.0 <= r < 1.0 for r in ratios):
            raise ValueError(f'ratio must be in [0, 1), got {ratio}')
        self.criterion = criterion
        self.threshold = float(threshold)
        self.ratios = ratios
        self.train = train
        self.test = test
        self.sparse = sparse
        self.enabled = True  # switched by AdaptivityWarmupHook (pose: after 10 epochs)
        self.reset()

    def reset(self) -> None:
        """Forget the prediction: the next convolutions run densely."""
        self.prediction: Optional[torch.Tensor] = None
        self.exit_index = -1
        self._masks: Dict[Tuple[int, int], torch.Tensor] = {}
        self._plans: Dict[tuple, Tuple[torch.Tensor, torch.Tensor]] = {}

    def active(self, training: bool) -> bool:
        """Whether adaptivity applies in the current mode."""
        return self.enabled and (self.train if training else self.test)

    def set_prediction(self, prediction: torch.Tensor, exit_index: int) -> None:
        """Use ``prediction`` (logits / heatmaps of exit ``exit_index``) for M_i."""
        self.prediction = prediction.detach()
        self.exit_index = exit_index
        self._masks = {}
        self._plans = {}

    def mask(self, size: Tuple[int, int]) -> Optional[torch.Tensor]:
        """The computation mask ``(N, 1, H, W)`` (1 = compute) at ``size``, or None."""
        if self.prediction is None:
            return None
        size = tuple(int(s) for s in size)
        if size not in self._masks:
            pred = self.prediction
            if tuple(pred.shape[2:]) != size:
                pred = F.interpolate(pred, size=size, mode='bilinear', align_corners=False)
            self._masks[size] = self.compute_mask(pred)
        return self._masks[size]

    def computed(self, size: Tuple[int, int]) -> torch.Tensor:
        """Bool version of :meth:`mask` (True = compute), cached per size."""
        key = ('bool', ) + tuple(int(v) for v in size)
        if key not in self._masks:
            self._masks[key] = self.mask(size) > 0
        return self._masks[key]

    def plan(self, size: Tuple[int, int], in_hw: Tuple[int, int], kernel, stride, padding,
             dilation) -> Tuple[torch.Tensor, torch.Tensor]:
        """:func:`gather_plan` of the current mask, shared by equal geometries."""
        key = (tuple(size), tuple(in_hw), kernel, stride, padding, dilation)
        if key not in self._plans:
            active = self.computed(size)[:, 0]
            self._plans[key] = gather_plan(active, in_hw, kernel, stride, padding, dilation)
        return self._plans[key]

    def compute_mask(self, pred: torch.Tensor) -> torch.Tensor:
        """Eq. 2.2 for one prediction ``(N, K, H, W)``: 0 where confident."""
        if self.criterion == 'max_prob':
            confident = pred.softmax(dim=1).amax(dim=1, keepdim=True) >= self.threshold
        elif self.criterion == 'max_value':
            confident = pred.amax(dim=1, keepdim=True) < self.threshold
        elif self.criterion == 'entropy':
            logp = pred.log_softmax(dim=1)
            entropy = -(logp.exp() * logp).sum(dim=1, keepdim=True)
            confident = entropy <= self.threshold
        else:
            ratio = self.ratios[min(self.exit_index, len(self.ratios) - 1)]
            n, _, h, w = pred.shape
            num_masked = int(round(ratio * h * w))
            if self.criterion == 'topk':
                score = pred.softmax(dim=1).amax(dim=1).flatten(1)
            else:
                gen = torch.Generator(device='cpu').manual_seed(1000 + self.exit_index)
                score = torch.rand((n, h * w), generator=gen).to(pred.device)
            confident = torch.zeros((n, h * w), dtype=torch.bool, device=pred.device)
            if num_masked > 0:
                confident.scatter_(1, score.topk(num_masked, dim=1).indices, True)
            confident = confident.view(n, 1, h, w)
        return (~confident).to(pred.dtype)


def gather_plan(active: torch.Tensor, in_hw: Tuple[int, int], kernel: Tuple[int, int],
                stride: Tuple[int, int], padding: Tuple[int, int],
                dilation: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Indices for :func:`sparse_conv2d`: active outputs and their input taps.

    Returns ``(out_index, in_index)``: flat indices of the active output pixels
    in ``(N * Ho * Wo)`` and, per active pixel, the ``kh * kw`` flat indices of
    its receptive field in the padded input flattened to ``(N * Hp * Wp)``.
    """
    _, ho, wo = active.shape
    hp, wp = in_hw[0] + 2 * padding[0], in_hw[1] + 2 * padding[1]
    out_index = active.reshape(-1).nonzero().squeeze(1)
    b = out_index // (ho * wo)
    oy = (out_index // wo) % ho
    ox = out_index % wo
    base = b * (hp * wp) + oy * (stride[0] * wp) + ox * stride[1]
    ky = torch.arange(kernel[0], device=active.device) * dilation[0]
    kx = torch.arange(kernel[1], device=active.device) * dilation[1]
    offsets = (ky[:, None] * wp + kx[None, :]).reshape(-1)
    return out_index, base[:, None] + offsets[None, :]


def sparse_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor],
                  stride: Tuple[int, int], padding: Tuple[int, int],
                  dilation: Tuple[int, int], active: torch.Tensor,
                  plan: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
    """Convolution evaluated only at active output positions (zeros elsewhere).

    Gathers the ``k x k`` receptive fields of the active output pixels from the
    padded input (im2col restricted to active pixels), multiplies them by the
    flattened weight in one matrix product and scatters the results back.

    Args:
        x (Tensor): Input ``(N, C, H, W)``.
        weight (Tensor): ``(O, C, kh, kw)`` (groups = 1).
        bias (Tensor, optional): ``(O, )``.
        stride, padding, dilation (tuple[int, int]): As in ``F.conv2d``.
        active (Tensor): Bool ``(N, Ho, Wo)``; True where the output is computed.
        plan (tuple, optional): :func:`gather_plan` for these shapes (reused
            across layers of equal geometry).

    Returns:
        Tensor: ``(N, O, Ho, Wo)``.
    """
    n, c, h, w = x.shape
    out_c, _, kh, kw = weight.shape
    _, ho, wo = active.shape
    if plan is None:
        plan = gather_plan(active, (h, w), (kh, kw), stride, padding, dilation)
    out_index, in_index = plan
    if padding[0] or padding[1]:
        x = F.pad(x, (padding[1], padding[1], padding[0], padding[0]))
    # (C, N * Hp * Wp): a view when N == 1
    x_flat = x.reshape(c, -1) if n == 1 else x.transpose(0, 1).reshape(c, -1)
    # row c * k^2 + t of cols: channel c at tap t of every active pixel, the
    # column order of weight.reshape(O, C * k^2)
    cols = x_flat.index_select(1, in_index.t().reshape(-1)).view(c * kh * kw, -1)
    w2d = weight.reshape(out_c, -1)
    y = w2d @ cols if bias is None else torch.addmm(bias[:, None], w2d, cols)
    out = x.new_zeros(out_c, n * ho * wo)
    out.index_copy_(1, out_index, y)
    return out.view(out_c, n, ho, wo).transpose(0, 1)


class MaskedConv2d(nn.Conv2d):
    """``nn.Conv2d`` that computes only where ``M_i = 1`` and RBF-fills the rest.

    Without a context (or with no prediction yet) it is exactly ``nn.Conv2d``;
    the parameter names (``weight``, ``bias``) stay those of the dense layer,
    so HRNet checkpoints load; ``rbf_lambda`` is the learnable lambda of
    Eq. 2.6 (initialised to 3.0 as in the reference code).

    After each call, ``last_macs`` holds the multiply-adds actually needed
    (computed positions plus the interpolation of Eq. 2.5), used by
    :func:`mmvisarch.analysis.anytime_flops.count_exit_gflops`.
    """

    def __init__(self, *args, radius: int = 7, lambda_init: float = 3.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _check_radius(radius)
        self.radius = radius
        self.rbf_lambda = nn.Parameter(torch.tensor(float(lambda_init)))
        self.context: Optional[AdaptivityContext] = None
        self.last_macs = 0
        self.last_active_fraction = 1.0
        self._rbf_cache: Dict[tuple, Tuple[torch.Tensor, torch.Tensor]] = {}

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, radius: int = 7) -> 'MaskedConv2d':
        """A masked copy of ``conv`` sharing its parameters."""
        new = cls(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                  padding=conv.padding, dilation=conv.dilation, groups=conv.groups,
                  bias=conv.bias is not None, padding_mode=conv.padding_mode, radius=radius)
        new.weight = conv.weight
        new.bias = conv.bias
        return new

    def _dense_macs(self, out: torch.Tensor) -> int:
        k = self.weight.shape[1] * self.weight.shape[2] * self.weight.shape[3]
        return out.shape[0] * out.shape[2] * out.shape[3] * self.out_channels * k

    def _output_size(self, x: torch.Tensor) -> Tuple[int, int]:
        return tuple((x.shape[2 + d] + 2 * self.padding[d] - self.dilation[d] *
                      (self.kernel_size[d] - 1) - 1) // self.stride[d] + 1 for d in range(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ctx = self.context
        size = self._output_size(x)
        mask = ctx.mask(size) if ctx is not None and ctx.active(self.training) else None
        if mask is None:
            out = super().forward(x)
            self.last_macs, self.last_active_fraction = self._dense_macs(out), 1.0
            return out
        computed = ctx.computed(size)
        if (ctx.sparse and not torch.is_grad_enabled() and self.groups == 1
                and self.padding_mode == 'zeros'):
            plan = ctx.plan(size, tuple(x.shape[2:]), self.kernel_size, self.stride,
                            self.padding, self.dilation)
            out = sparse_conv2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.dilation, computed[:, 0], plan)
            num_active = plan[0].numel()
        else:
            out = super().forward(x) * computed
            num_active = int(computed.sum().item())
        num_masked = mask.numel() - num_active
        self.last_active_fraction = num_active / mask.numel()
        self.last_macs = (round(self._dense_macs(out) * self.last_active_fraction) +
                          rbf_interpolation_macs(num_masked, self.out_channels, self.radius))
        kernel1d, denominator = self._rbf_weights(out)
        return rbf_fill(out, computed, kernel1d, denominator)

    def _rbf_weights(self, out: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """RBF taps and denominator; cached in inference (they depend on lambda and size)."""
        if torch.is_grad_enabled():
            kernel1d = rbf_kernel1d(self.rbf_lambda, self.radius, out)
            return kernel1d, rbf_denominator(out.shape[2:], kernel1d)
        key = (float(self.rbf_lambda), tuple(out.shape[2:]), out.dtype, out.device)
        if key not in self._rbf_cache:
            kernel1d = rbf_kernel1d(self.rbf_lambda.detach(), self.radius, out)
            self._rbf_cache = {key: (kernel1d, rbf_denominator(out.shape[2:], kernel1d))}
        return self._rbf_cache[key]


def convert_to_masked(module: nn.Module, context: AdaptivityContext, radius: int = 7) -> int:
    """Replace every ``nn.Conv2d`` under ``module`` by a ``MaskedConv2d`` in place.

    Returns:
        int: The number of convolutions converted (already masked ones are
        re-attached to ``context``).
    """
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, MaskedConv2d):
            child.context = context
            count += 1
        elif isinstance(child, nn.Conv2d):
            masked = MaskedConv2d.from_conv(child, radius)
            masked.context = context
            setattr(module, name, masked)
            count += 1
        else:
            count += convert_to_masked(child, context, radius)
    return count
