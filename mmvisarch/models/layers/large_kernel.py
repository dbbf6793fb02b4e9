"""SLaK's decomposed large depthwise kernel (Liu et al., ICLR 2023, Sec. 4 and Fig. 1).

Reference implementation: https://github.com/VITA-Group/SLaK (``models/SLaK.py``,
``ReparamLargeKernelConv``). The official code runs its depthwise convolutions
through a CUDA extension (MegEngine's implicit-GEMM kernel) that pads each axis
by half its own kernel size; :class:`DepthwiseConv2d` computes the same
cross-correlation in plain PyTorch, either directly (``nn.Conv2d`` with
per-axis padding) or through the FFT for very large kernels. Parameter names
(``LoRA1``, ``LoRA2``, ``small_conv``, ``lkb_origin``, ``lkb_reparam``, each
with ``.conv`` / ``.bn``) are the official ones.
"""
from collections import OrderedDict
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import nn

IMPLS = ('conv', 'fft')


def _pair(kernel_size: Union[int, Tuple[int, int]]) -> Tuple[int, int]:
    if isinstance(kernel_size, int):
        return kernel_size, kernel_size
    return tuple(kernel_size)


def fft_depthwise_conv2d(x: torch.Tensor, weight: torch.Tensor,
                         bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Depthwise cross-correlation with "same" padding ``(kh // 2, kw // 2)`` via the FFT.

    Equal (up to rounding) to ``F.conv2d(x, weight, bias, padding=(kh // 2, kw // 2),
    groups=C)`` for odd kernel sizes; its cost does not grow with the kernel size.
    """
    kh, kw = weight.shape[-2:]
    height, width = x.shape[-2:]
    x = F.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2))
    size = x.shape[-2:]
    # convolving with the flipped kernel is cross-correlating with the kernel;
    # the linear-convolution samples [k-1, k-1+H) are free of circular wrap-around
    spectrum = torch.fft.rfft2(x, s=size) * torch.fft.rfft2(
        weight.flip(-2, -1).squeeze(1), s=size)
    out = torch.fft.irfft2(spectrum, s=size)[..., kh - 1:kh - 1 + height, kw - 1:kw - 1 + width]
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


class DepthwiseConv2d(nn.Conv2d):
    """Stride-1 depthwise conv padding each axis by half its own kernel size.

    The output has the input's size for any odd kernel ``(kh, kw)`` and any
    (odd, even or non-square) input. This is the operation of SLaK's CUDA
    extension; an ``nn.Conv2d`` given one integer padding ``K // 2`` for a
    ``K x N`` kernel is not.

    Args:
        channels: input and output channels (one filter per channel).
        kernel_size: ``k`` or ``(kh, kw)``; both odd.
        bias: learnable bias. Defaults to False.
        impl: ``'conv'`` (``F.conv2d``) or ``'fft'`` (FFT convolution, faster
            for very large kernels on some devices; see
            ``benchmarks/large_kernel_speed.py``). Defaults to 'conv'.
    """

    def __init__(self, channels: int, kernel_size: Union[int, Tuple[int, int]],
                 bias: bool = False, impl: str = 'conv') -> None:
        kh, kw = _pair(kernel_size)
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f'DepthwiseConv2d needs odd kernel sizes so that the output keeps '
                             f'the input size and kernels can be merged centred; got {(kh, kw)}.')
        if impl not in IMPLS:
            raise ValueError(f'DepthwiseConv2d impl must be one of {IMPLS}, got {impl!r}.')
        super().__init__(channels, channels, (kh, kw), padding=(kh // 2, kw // 2),
                         groups=channels, bias=bias)
        self.impl = impl

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.impl == 'fft':
            return fft_depthwise_conv2d(x, self.weight, self.bias)
        return super().forward(x)


def fuse_conv_bn(conv: nn.Conv2d, bn: Optional[nn.Module]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Kernel and bias of ``bn(conv(x))`` as one conv (inference statistics)."""
    kernel = conv.weight
    bias = conv.bias if conv.bias is not None else kernel.new_zeros(kernel.shape[0])
    if bn is None:
        return kernel, bias
    std = (bn.running_var + bn.eps).sqrt()
    scale = bn.weight / std
    return kernel * scale.reshape(-1, 1, 1, 1), bn.bias + (bias - bn.running_mean) * scale


def _centre_pad(kernel: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    dh, dw = size[0] - kernel.shape[-2], size[1] - kernel.shape[-1]
    return F.pad(kernel, (dw // 2, dw // 2, dh // 2, dh // 2))


class ConvBN(nn.Sequential):
    """``conv`` (a :class:`DepthwiseConv2d`) followed by an optional norm ``bn``."""

    def __init__(self, channels: int, kernel_size: Union[int, Tuple[int, int]],
                 norm_cfg: Optional[dict], impl: str = 'conv') -> None:
        layers = OrderedDict(conv=DepthwiseConv2d(channels, kernel_size, bias=False, impl=impl))
        if norm_cfg is not None:
            layers['bn'] = build_norm_layer(norm_cfg, channels)[1]
        super().__init__(layers)

    def fused(self) -> Tuple[torch.Tensor, torch.Tensor]:
        return fuse_conv_bn(self.conv, getattr(self, 'bn', None))


class LargeKernelConv(nn.Module):
    """SLaK's large depthwise kernel (Sec. 4, Fig. 1): ``M x N`` + ``N x M`` + ``N x N``.

    Decomposed (default): ``LoRA1`` (``M x N``), ``LoRA2`` (``N x M``) and
    ``small_conv`` (``N x N``), each followed by BatchNorm, outputs summed.
    Not decomposed (the "naive" / RepLKNet rows of Tables 1-2): ``lkb_origin``
    (``M x M``) plus ``small_conv``. ``small_conv`` exists only when
    ``N < M``, as in the reference.

    Args:
        channels: input and output channels.
        kernel_size: the large size ``M`` (odd).
        small_kernel: the short edge / small kernel ``N`` (odd, ``<= M``);
            None (only without decomposition) drops the small branch, giving
            the "naive" enlarged kernel of Table 1. Defaults to 5 (Appendix E).
        decomposed: ``M x N`` + ``N x M`` instead of ``M x M``. Defaults to True.
        norm_cfg: norm after each branch (mmcv ``build_norm_layer``), e.g.
            ``dict(type='SyncBN')``. Defaults to None, meaning ``dict(type='BN')``.
        impl: depthwise conv implementation, see :class:`DepthwiseConv2d`.
            Defaults to 'conv'.
        with_norm: False gives bias-free branches without norm, as the
            reference's ``bn=False`` (ablation). Defaults to True.
    """

    def __init__(self, channels: int, kernel_size: int, small_kernel: int = 5,
                 decomposed: bool = True, norm_cfg: Optional[dict] = None,
                 impl: str = 'conv', with_norm: bool = True) -> None:
        super().__init__()
        for name, value in (('kernel_size', kernel_size), ('small_kernel', small_kernel)):
            if value is None and name == 'small_kernel' and not decomposed:
                continue
            if not isinstance(value, int) or value < 1 or value % 2 == 0:
                raise ValueError(f'LargeKernelConv {name} must be a positive odd int (the kernel '
                                 f'is centred on each pixel), got {value!r}; only a '
                                 f'non-decomposed kernel may have small_kernel=None.')
        if small_kernel is not None and kernel_size < small_kernel:
            raise ValueError(f'LargeKernelConv kernel_size={kernel_size} is shorter than '
                             f'small_kernel={small_kernel}; the large kernel must be at least as '
                             f'long as the small one.')
        norm_cfg = (norm_cfg or dict(type='BN')) if with_norm else None
        self.channels, self.kernel_size, self.small_kernel = channels, kernel_size, small_kernel
        self.decomposed = decomposed
        if decomposed:
            self.LoRA1 = ConvBN(channels, (kernel_size, small_kernel), norm_cfg, impl)
            self.LoRA2 = ConvBN(channels, (small_kernel, kernel_size), norm_cfg, impl)
        else:
            self.lkb_origin = ConvBN(channels, kernel_size, norm_cfg, impl)
        if small_kernel is not None and small_kernel < kernel_size:
            self.small_conv = ConvBN(channels, small_kernel, norm_cfg, impl)

    def branches(self) -> Tuple[ConvBN, ...]:
        names = ('LoRA1', 'LoRA2', 'lkb_origin', 'small_conv')
        return tuple(getattr(self, n) for n in names if hasattr(self, n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self, 'lkb_reparam'):
            return self.lkb_reparam(x)
        branches = self.branches()
        out = branches[0](x)
        for branch in branches[1:]:
            out = out + branch(x)
        return out

    @torch.no_grad()
    def switch_to_deploy(self, merge_branches: bool = True) -> None:
        """Re-parameterise for inference (structural re-parameterisation, RepLKNet).

        Each norm is folded into its conv (running statistics). With
        ``merge_branches`` the branches are summed into one ``M x M`` kernel
        ``lkb_reparam``; otherwise each branch keeps its own kernel and only the
        norms disappear, which keeps the decomposed model's speed advantage
        (a dense ``M x M`` kernel costs ``M / (2N)`` times more, Fig. 4).
        """
        if hasattr(self, 'lkb_reparam'):
            return
        if not merge_branches:
            for branch in self.branches():
                kernel, bias = branch.fused()
                fused = DepthwiseConv2d(self.channels, tuple(kernel.shape[-2:]), bias=True,
                                        impl=branch.conv.impl).to(kernel)
                fused.weight.copy_(kernel)
                fused.bias.copy_(bias)
                branch.conv = fused
                if hasattr(branch, 'bn'):
                    del branch.bn
            return
        size = (self.kernel_size, self.kernel_size)
        kernel = bias = 0
        for branch in self.branches():
            k, b = branch.fused()
            kernel, bias = kernel + _centre_pad(k, size), bias + b
        impl = self.branches()[0].conv.impl
        self.lkb_reparam = DepthwiseConv2d(self.channels, size, bias=True, impl=impl).to(kernel)
        self.lkb_reparam.weight.copy_(kernel)
        self.lkb_reparam.bias.copy_(bias)
        for name in ('LoRA1', 'LoRA2', 'lkb_origin', 'small_conv'):
            if hasattr(self, name):
                delattr(self, name)
