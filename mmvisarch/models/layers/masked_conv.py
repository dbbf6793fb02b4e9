"""Confidence masks and masked convolutions of ADP-C (Eq. 2.2-2.4).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Sec. 2.3.4 and 2.5.3; reference code:
github.com/liuzhuang13/anytime (``conv_mask_uniform``), which computes the
dense convolution and multiplies by the mask. Here, in inference, a masked
convolution gathers the receptive fields of its computed output pixels from
channels-last rows and multiplies them by the weight matrix (compiled kernel of
:mod:`mmvisarch.ops`, or PyTorch ops), and the RBF fill runs at masked positions
only: a real wall-clock saving (Sec. 2.4.4). A per-layer cost model falls back
to the dense convolution where gathering would be slower. In training the
dense-then-mask form is kept (identical values, cheaper autograd).

``AdaptivityContext`` carries the latest exit prediction; every
``MaskedConv2d`` that shares the context derives its mask ``M_i`` at its own
output size from that prediction (Eq. 2.2, "we interpolate y_i to the size of
C's output").
"""
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from mmvisarch.ops import fused_kernels_usable
from .rbf import (NORMALISATIONS, WINDOWS, FillPlan, _check_radius, fill_plan, rbf_denominator,
                  rbf_fill, rbf_interpolation_macs, rbf_kernel1d, reference_interpolation_macs,
                  sparse_rbf_fill, window_reach)

MASK_CRITERIA = ('max_prob', 'max_value', 'entropy', 'topk', 'random')
RESIZE_MODES = ('nearest', 'bilinear')
INTERPOLATION_COSTS = ('reference', 'separable')

#: The rule sets of ``AdaptivityContext(rules=...)``: the reference code
#: (github.com/liuzhuang13/anytime, ``get_resized_mask_from_logits`` and
#: ``conv_mask_uniform``, ``lib/utils/modelsummary.py``), which produced the
#: published numbers, and the dissertation's text read literally (Eq. 2.2-2.6).
ADAPTIVITY_RULES = {
    'reference': dict(resize='nearest', strict_threshold=True, window='kernel_size',
                      normalisation='constant', interpolation_cost='reference'),
    'paper': dict(resize='bilinear', strict_threshold=False, window='half_width',
                  normalisation='in_image', interpolation_cost='separable'),
}


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
            positions (real speed-up) where that is cheaper than computing them
            densely, and interpolate only the masked positions. Defaults to True.
        rules (str): Default of the five options below: ``'reference'`` (the
            official code, which produced the published numbers) or
            ``'paper'`` (the dissertation's text read literally). Defaults to
            'reference'.
        resize (str, optional): How the exit prediction is resized to a
            convolution's output size: 'nearest' (reference, ``F.interpolate``'s
            default) or 'bilinear' (paper reading).
        strict_threshold (bool, optional): True (reference): a position is
            computed where its confidence is ``<=`` the threshold, i.e. confident
            only when strictly above it (entropy: strictly below). False (paper
            reading): confident at ``>=`` (entropy ``<=``). 'max_value' (pose,
            no reference code) is always "confident when strictly below".
        window (str, optional): Meaning of the ``radius`` of the masked convs:
            'kernel_size' (reference: ``r = 7`` is a 7x7 window) or
            'half_width' (paper reading: a ``(2r + 1)^2`` window).
        normalisation (str, optional): Denominator of the fill: 'constant'
            (reference: sum of the window weights + 1e-5, zero padding) or
            'in_image' (paper reading: weight of the in-image neighbours).
        interpolation_cost (str, optional): FLOPs of the fill: 'reference'
            (``(1 - p) p C k^2 H W`` per masked conv, ``modelsummary.py``) or
            'separable' (``2 (2 reach + 1) C`` per masked position).
        gather_cost_channels (float, optional): Cost model of that choice: a
            convolution with ``O`` output channels, ``K = C * kh * kw`` inputs
            per pixel and active fraction ``f`` is gathered when
            ``f * (1 + g / O + g / K) < 1``; the terms stand for the gather
            and scatter traffic per multiply-add. None picks the value fitted
            to whole-model timings of ADP-C HRNet-W48 on an AVX-512 CPU: 16
            with the compiled kernels of :mod:`mmvisarch.ops`, 64 without them;
            0 always gathers. Defaults to None.
    """

    def __init__(self,
                 criterion: str = 'max_prob',
                 threshold: float = 0.998,
                 ratio: float | Sequence[float] = 0.5,
                 train: bool = True,
                 test: bool = True,
                 sparse: bool = True,
                 gather_cost_channels: Optional[float] = None,
                 rules: str = 'reference',
                 resize: Optional[str] = None,
                 strict_threshold: Optional[bool] = None,
                 window: Optional[str] = None,
                 normalisation: Optional[str] = None,
                 interpolation_cost: Optional[str] = None) -> None:
        if rules not in ADAPTIVITY_RULES:
            raise ValueError(f'rules must be one of {tuple(ADAPTIVITY_RULES)}, got {rules!r}')
        preset = ADAPTIVITY_RULES[rules]
        self.rules = rules
        self.resize = preset['resize'] if resize is None else resize
        self.strict_threshold = (preset['strict_threshold']
                                 if strict_threshold is None else bool(strict_threshold))
        self.window = preset['window'] if window is None else window
        self.normalisation = preset['normalisation'] if normalisation is None else normalisation
        self.interpolation_cost = (preset['interpolation_cost']
                                   if interpolation_cost is None else interpolation_cost)
        for name, value, allowed in (('resize', self.resize, RESIZE_MODES),
                                     ('window', self.window, WINDOWS),
                                     ('normalisation', self.normalisation, NORMALISATIONS),
                                     ('interpolation_cost', self.interpolation_cost,
                                      INTERPOLATION_COSTS)):
            if value not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got {value!r}')
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
        if gather_cost_channels is not None and gather_cost_channels < 0:
            raise ValueError(f'gather_cost_channels must be >= 0, got {gather_cost_channels}')
        self.gather_cost_channels = gather_cost_channels
        self.enabled = True  # switched by AdaptivityWarmupHook (pose: after 10 epochs)
        self.reset()

    def reset(self) -> None:
        """Forget the prediction: the next convolutions run densely."""
        self.prediction: Optional[torch.Tensor] = None
        self.exit_index = -1
        self._masks: Dict[Tuple[int, int], torch.Tensor] = {}
        self._plans: Dict[tuple, ConvPlan | FillPlan] = {}

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
                if self.resize == 'nearest':
                    pred = F.interpolate(pred, size=size, mode='nearest')
                else:
                    pred = F.interpolate(pred, size=size, mode='bilinear', align_corners=False)
            self._masks[size] = self.compute_mask(pred)
        return self._masks[size]

    def computed(self, size: Tuple[int, int]) -> torch.Tensor:
        """Bool version of :meth:`mask` (True = compute), cached per size."""
        key = ('bool', ) + tuple(int(v) for v in size)
        if key not in self._masks:
            self._masks[key] = self.mask(size) > 0
        return self._masks[key]

    def num_computed(self, size: Tuple[int, int]) -> int:
        """Number of computed positions of the mask at ``size``, cached."""
        key = ('count', ) + tuple(int(v) for v in size)
        if key not in self._masks:
            self._masks[key] = int(self.computed(size).sum())
        return self._masks[key]

    def sparse_pays(self, active_fraction: float, out_channels: int, depth: int,
                    fused: bool = True) -> bool:
        """Whether gathering beats a dense convolution (see ``gather_cost_channels``).

        Args:
            active_fraction (float): Fraction of output positions computed.
            out_channels (int): ``O``.
            depth (int): ``K = C * kh * kw``.
            fused (bool): Whether the compiled kernels will run it.
        """
        cost = self.gather_cost_channels
        if cost is None:
            cost = 16.0 if fused else 64.0
        return active_fraction * (1.0 + cost / out_channels + cost / depth) < 1.0

    def conv_plan(self, size: Tuple[int, int], in_hw: Tuple[int, int], kernel, stride,
                  padding, dilation) -> 'ConvPlan':
        """:func:`conv_plan` of the current mask, shared by equal geometries."""
        key = ('conv', tuple(size), tuple(in_hw), kernel, stride, padding, dilation)
        if key not in self._plans:
            self._plans[key] = conv_plan(self.computed(size)[:, 0], in_hw, kernel, stride,
                                         padding, dilation)
        return self._plans[key]

    def fill_plan(self, size: Tuple[int, int], reach: int) -> FillPlan:
        """:func:`~mmvisarch.models.layers.rbf.fill_plan` of the current mask."""
        key = ('fill', tuple(size), reach)
        if key not in self._plans:
            self._plans[key] = fill_plan(self.computed(size)[:, 0], reach)
        return self._plans[key]

    def compute_mask(self, pred: torch.Tensor) -> torch.Tensor:
        """Eq. 2.2 for one prediction ``(N, K, H, W)``: 0 where confident.

        'max_prob' with the reference rules is its ``conf_thre`` (computed where
        ``max softmax <= threshold``), 'entropy' its ``entropy_thre``.
        """
        if self.criterion == 'max_prob':
            conf = pred.softmax(dim=1).amax(dim=1, keepdim=True)
            confident = conf > self.threshold if self.strict_threshold else conf >= self.threshold
        elif self.criterion == 'max_value':
            confident = pred.amax(dim=1, keepdim=True) < self.threshold
        elif self.criterion == 'entropy':
            logp = pred.log_softmax(dim=1)
            entropy = -(logp.exp() * logp).sum(dim=1, keepdim=True)
            confident = (entropy < self.threshold if self.strict_threshold else
                         entropy <= self.threshold)
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


class ConvPlan(NamedTuple):
    """Indices of :func:`sparse_conv2d` for one mask and convolution geometry.

    ``out_index``: flat indices of the active outputs in ``N * Ho * Wo``;
    ``in_index``: per active output, the ``kh * kw`` flat input indices (in
    ``N * H * W``) of its receptive field, -1 for taps outside the image
    (read as 0); ``clamped`` and ``outside``: the same with the outside taps
    clamped into the image, and where they are (for the PyTorch path).
    """
    out_index: torch.Tensor
    in_index: torch.Tensor
    clamped: torch.Tensor
    outside: torch.Tensor


def conv_plan(active: torch.Tensor, in_hw: Tuple[int, int], kernel: Tuple[int, int],
              stride: Tuple[int, int], padding: Tuple[int, int],
              dilation: Tuple[int, int]) -> ConvPlan:
    """:class:`ConvPlan` of the bool output mask ``active`` ``(N, Ho, Wo)``."""
    _, ho, wo = active.shape
    h, w = in_hw
    out_index = active.reshape(-1).nonzero().squeeze(1)
    b = out_index // (ho * wo)
    iy = (out_index // wo) % ho * stride[0] - padding[0]
    ix = out_index % wo * stride[1] - padding[1]
    ky = torch.arange(kernel[0], device=active.device) * dilation[0]
    kx = torch.arange(kernel[1], device=active.device) * dilation[1]
    ty = iy[:, None, None] + ky[None, :, None]
    tx = ix[:, None, None] + kx[None, None, :]
    inside = (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w)
    clamped = (b[:, None, None] * (h * w) + ty.clamp(0, h - 1) * w + tx.clamp(0, w - 1)).reshape(-1)
    inside = inside.reshape(-1)
    return ConvPlan(out_index, torch.where(inside, clamped, -1), clamped,
                    (~inside).nonzero().squeeze(1))


def channels_last_rows(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` as ``(N * H * W, C)`` rows (a view for channels-last input)."""
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


def rows_to_nchw(rows: torch.Tensor, n: int, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`channels_last_rows`: a channels-last ``(N, C, H, W)`` view."""
    return rows.view(n, h, w, rows.shape[1]).permute(0, 3, 1, 2)


def conv_weight_matrix(weight: torch.Tensor) -> torch.Tensor:
    """``(O, C, kh, kw)`` as the ``(kh * kw * C, O)`` matrix of :func:`sparse_conv_rows`."""
    out_c = weight.shape[0]
    return weight.permute(2, 3, 1, 0).reshape(-1, out_c).contiguous()


def sparse_conv_rows(x: torch.Tensor, weight_matrix: torch.Tensor, bias: Optional[torch.Tensor],
                     plan: ConvPlan, num_out_rows: int) -> torch.Tensor:
    """The convolution at the active outputs of ``plan`` as ``(rows, O)``.

    Gathers the receptive fields of the active output pixels from the
    channels-last input (im2col restricted to them), multiplies them by
    ``weight_matrix`` (:func:`conv_weight_matrix`) and writes the results into
    their rows of a new ``(num_out_rows, O)`` tensor; the other rows are left
    uninitialised. The compiled kernel (:mod:`mmvisarch.ops`) does this per
    block of pixels in cache; the PyTorch path builds the whole im2col matrix.
    """
    rows = channels_last_rows(x)
    if fused_kernels_usable(rows, weight_matrix, *(() if bias is None else (bias, ))):
        return torch.ops.mmvisarch.sparse_conv(rows, plan.in_index, plan.out_index,
                                               weight_matrix, bias, num_out_rows)
    cols = rows.index_select(0, plan.clamped)
    if plan.outside.numel():
        cols.index_fill_(0, plan.outside, 0)
    cols = cols.view(plan.out_index.numel(), weight_matrix.shape[0])  # (ky, kx, c) order
    y = cols @ weight_matrix if bias is None else torch.addmm(bias, cols, weight_matrix)
    return x.new_empty(num_out_rows, weight_matrix.shape[1]).index_copy_(0, plan.out_index, y)


def sparse_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor],
                  stride: Tuple[int, int], padding: Tuple[int, int],
                  dilation: Tuple[int, int], active: torch.Tensor,
                  plan: Optional[ConvPlan] = None) -> torch.Tensor:
    """Convolution evaluated only at active output positions (zeros elsewhere).

    Args:
        x (Tensor): Input ``(N, C, H, W)``; channels-last memory avoids a copy.
        weight (Tensor): ``(O, C, kh, kw)`` (groups = 1).
        bias (Tensor, optional): ``(O, )``.
        stride, padding, dilation (tuple[int, int]): As in ``F.conv2d``.
        active (Tensor): Bool ``(N, Ho, Wo)``; True where the output is computed.
        plan (ConvPlan, optional): :func:`conv_plan` for these shapes (shared by
            layers of equal geometry).

    Returns:
        Tensor: ``(N, O, Ho, Wo)`` in channels-last memory format.
    """
    n, ho, wo = active.shape
    if plan is None:
        plan = conv_plan(active, tuple(x.shape[2:]), tuple(weight.shape[2:]), stride, padding,
                         dilation)
    rows = sparse_conv_rows(x, conv_weight_matrix(weight), bias, plan, n * ho * wo)
    rows.index_fill_(0, (~active).reshape(-1).nonzero().squeeze(1), 0)
    return rows_to_nchw(rows, n, ho, wo)


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
        self._matrix_cache: Tuple[tuple, Optional[torch.Tensor]] = ((), None)

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
        # int(): under tracing (mmengine's FlopAnalyzer) sizes are 0-dim tensors
        k = int(self.weight.shape[1]) * int(self.weight.shape[2]) * int(self.weight.shape[3])
        return int(out.shape[0]) * int(out.shape[2]) * int(out.shape[3]) * self.out_channels * k

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
        kernel1d, denominator = self._rbf_weights(x, ctx)
        num_active = ctx.num_computed(size)
        if (ctx.sparse and not torch.is_grad_enabled() and self.groups == 1
                and self.padding_mode == 'zeros'):
            n = x.shape[0]
            depth = self.weight[0].numel()
            fused = fused_kernels_usable(x, self.weight, contiguous=False)
            if ctx.sparse_pays(num_active / mask.numel(), self.out_channels, depth, fused):
                plan = ctx.conv_plan(size, tuple(x.shape[2:]), self.kernel_size, self.stride,
                                     self.padding, self.dilation)
                rows = sparse_conv_rows(x, self._weight_matrix(), self.bias, plan,
                                        n * size[0] * size[1])
            else:
                rows = channels_last_rows(super().forward(x))
            sparse_rbf_fill(rows, ctx.fill_plan(size, kernel1d.numel() // 2), kernel1d,
                            denominator)
            out = rows_to_nchw(rows, n, *size)
        else:
            computed = ctx.computed(size)
            out = rbf_fill(super().forward(x) * computed, computed, kernel1d, denominator)
        total = int(mask.numel())
        fraction = num_active / total
        self.last_active_fraction = fraction
        if ctx.interpolation_cost == 'reference':
            # modelsummary.py, per image: int(dense * p) + int((1 - p) p C k^2 H W)
            n = int(out.shape[0])
            self.last_macs = n * (int(self._dense_macs(out) // n * fraction) +
                                  reference_interpolation_macs(fraction, self.out_channels,
                                                               size[0], size[1],
                                                               2 * self._reach(ctx) + 1))
        else:
            self.last_macs = (int(round(self._dense_macs(out) * fraction)) +
                              rbf_interpolation_macs(total - num_active, self.out_channels,
                                                     self._reach(ctx)))
        return out

    def _reach(self, ctx: AdaptivityContext) -> int:
        """Half-width of the fill window under the context's ``window`` rule."""
        return window_reach(self.radius, ctx.window)

    def _weight_matrix(self) -> torch.Tensor:
        """:func:`conv_weight_matrix` of the weight, cached while it is unchanged."""
        key = (self.weight.data_ptr(), self.weight._version, self.weight.dtype)
        if self._matrix_cache[0] != key:
            self._matrix_cache = (key, conv_weight_matrix(self.weight.detach()))
        return self._matrix_cache[1]

    def _rbf_weights(self, x: torch.Tensor, ctx: AdaptivityContext
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
        """RBF taps and denominator at the output size; cached in inference."""
        size = self._output_size(x)
        reach = self._reach(ctx)
        if torch.is_grad_enabled():
            kernel1d = rbf_kernel1d(self.rbf_lambda, reach, x)
            return kernel1d, rbf_denominator(size, kernel1d, ctx.normalisation)
        key = (float(self.rbf_lambda), size, x.dtype, x.device, reach, ctx.normalisation)
        if key not in self._rbf_cache:
            kernel1d = rbf_kernel1d(self.rbf_lambda.detach(), reach, x)
            denominator = rbf_denominator(size, kernel1d, ctx.normalisation).contiguous()
            self._rbf_cache = {key: (kernel1d, denominator)}
        return self._rbf_cache[key]


def convert_to_masked(module: nn.Module, context: AdaptivityContext, radius: int = 7) -> int:
    """Replace every ``nn.Conv2d`` under ``module`` by a ``MaskedConv2d`` in place.

    ``radius`` means what ``context.window`` says (reference: the window side).

    Returns:
        int: The number of convolutions converted (already masked ones are
        re-attached to ``context``).
    """
    window_reach(radius, context.window)  # a clear error for a radius the rule rejects
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
