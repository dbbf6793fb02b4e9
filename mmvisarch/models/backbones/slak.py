"""SLaK: "More ConvNets in the 2020s: Scaling up Kernels Beyond 51x51 using Sparsity"
(Liu et al., ICLR 2023).

Reference implementation: https://github.com/VITA-Group/SLaK (``models/SLaK.py``,
``detection/slak.py``, ``segmentation/slak.py``). SLaK is ConvNeXt (Sec. 4.1)
with each 7x7 depthwise conv replaced by a decomposed large kernel
(:class:`~mmvisarch.models.layers.LargeKernelConv`), kernel sizes
(51, 49, 47, 13) per stage and 1.3x width; the 40% sparsity is a training
procedure (:class:`mmvisarch.DynamicSparsityHook`), not part of the model.
Parameter names are the official ones, so official classification,
detection and segmentation checkpoints load through
:func:`convert_slak_state_dict`.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from mmvisarch.registry import MODELS
from mmvisarch.sparsity import enable_mask_loading
from ..layers.large_kernel import LargeKernelConv
from ..utils import resolve_arch, set_batchnorm_eval
from .convnext import ConvNeXt, ConvNeXtBlock, convert_convnext_state_dict

DEFAULT_KERNEL_SIZES = (51, 49, 47, 13)
DEFAULT_SMALL_KERNEL = 5


def _widen(channels: Sequence[int], width_factor: float = 1.3) -> list:
    """The reference's ``int(c * width_factor)`` (truncation, not rounding)."""
    return [int(c * width_factor) for c in channels]


class SLaKBlock(ConvNeXtBlock):
    """ConvNeXt block whose token mixer is SLaK's decomposed large kernel.

    Args:
        channels: input and output channels.
        kernel_size: ``(large, small)`` kernel sizes of the mixer.
        decomposed: ``M x N`` + ``N x M`` (True) or ``M x M`` ("naive").
            Defaults to True.
        norm_cfg: norm after each kernel branch. Defaults to None (BN).
        with_norm: False removes the branch norms (ablation). Defaults to True.
        conv_impl: depthwise conv implementation ('conv' or 'fft').
            Defaults to 'conv'.
        **kwargs: the :class:`ConvNeXtBlock` arguments.
    """

    mixer_name = 'large_kernel'

    def __init__(self, channels: int, kernel_size: Tuple[int, int] = (51, 5),
                 decomposed: bool = True, norm_cfg: Optional[dict] = None,
                 with_norm: bool = True, conv_impl: str = 'conv', **kwargs) -> None:
        # read by build_mixer, which the parent constructor calls
        self._mixer_kwargs = dict(decomposed=decomposed, norm_cfg=norm_cfg,
                                  with_norm=with_norm, impl=conv_impl)
        super().__init__(channels, kernel_size=kernel_size, **kwargs)

    def build_mixer(self, channels: int, kernel_size: Tuple[int, int]) -> nn.Module:
        large, small = kernel_size
        return LargeKernelConv(channels, large, small, **self._mixer_kwargs)


def convert_slak_state_dict(state_dict: Dict[str, torch.Tensor],
                            final_norm: str = 'norm3') -> Dict[str, torch.Tensor]:
    """Map any known SLaK checkpoint layout onto the official names.

    Older releases name the decomposed branches ``Decom1`` / ``Decom2``
    (VITA-Group/SLaK#5); they become ``LoRA1`` / ``LoRA2``. The names shared
    with ConvNeXt (stem, downsampling layers, norms, MLP; classification head
    dropped, ``norm`` -> ``final_norm``) go through
    :func:`convert_convnext_state_dict`. Sparsity masks (``*.weight_mask``)
    pass through unchanged.
    """
    renamed = OrderedDict((re.sub(r'\.Decom([12])\.', r'.LoRA\1.', k), v)
                          for k, v in state_dict.items())
    return convert_convnext_state_dict(renamed, final_norm=final_norm)


@MODELS.register_module()
class SLaK(ConvNeXt):
    """SLaK backbone (Sec. 4.1, Table 3).

    Args:
        arch: 'tiny', 'small', 'base' or ``dict(depths=[...], channels=[...],
            kernel_sizes=[...], small_kernel=N)`` (``kernel_sizes`` defaults to
            (51, 49, 47, 13) and ``small_kernel`` to 5; ``small_kernel=None``
            with ``decomposed=False`` is the "naive" enlarged kernel of
            Table 1). The zoo widths are ConvNeXt's times 1.3, truncated.
            Defaults to 'tiny'.
        decomposed: decompose each ``M x M`` kernel into ``M x N`` + ``N x M``
            (Sec. 4, step 1); False gives the "naive" / RepLKNet-style
            ``M x M`` + ``N x N`` mixer. Defaults to True.
        norm_cfg: norm after each kernel branch, e.g. ``dict(type='SyncBN')``
            for multi-GPU training. Defaults to None (``dict(type='BN')``).
        with_norm: False removes the branch norms (ablation). Defaults to True.
        conv_impl: depthwise conv implementation, 'conv' or 'fft'.
            Defaults to 'conv'.
        norm_eval: keep the branch BatchNorms in eval mode while training
            (frozen statistics, e.g. for small detection batches). Defaults to False.
        **kwargs: the :class:`ConvNeXt` arguments (``out_indices``,
            ``drop_path_rate``, ``frozen_stages``, ``init_cfg``, ...).
    """

    arch_zoo = {
        'tiny': dict(depths=[3, 3, 9, 3], channels=_widen([96, 192, 384, 768])),
        'small': dict(depths=[3, 3, 27, 3], channels=_widen([96, 192, 384, 768])),
        'base': dict(depths=[3, 3, 27, 3], channels=_widen([128, 256, 512, 1024])),
    }
    block_cls = SLaKBlock
    model_name = 'SLaK'

    def __init__(self, arch: Union[str, dict] = 'tiny', decomposed: bool = True,
                 norm_cfg: Optional[dict] = None, with_norm: bool = True,
                 conv_impl: str = 'conv', norm_eval: bool = False, **kwargs) -> None:
        if 'kernel_size' in kwargs:
            raise TypeError('SLaK sets its kernel sizes through arch=dict(kernel_sizes=[...], '
                            'small_kernel=N), not kernel_size.')
        arch = resolve_arch(arch, self.arch_zoo, ('depths', 'channels'), self.model_name)
        kernel_sizes = list(arch.get('kernel_sizes', DEFAULT_KERNEL_SIZES))
        small_kernel = arch.get('small_kernel', DEFAULT_SMALL_KERNEL)
        if len(kernel_sizes) != len(arch['depths']):
            raise ValueError(f'SLaK arch has {len(arch["depths"])} stages but '
                             f'{len(kernel_sizes)} kernel_sizes {kernel_sizes}; give one per '
                             f'stage.')
        no_small = small_kernel is None and not decomposed
        sizes = kernel_sizes + ([] if no_small else [small_kernel])
        for size in sizes:
            if not isinstance(size, int) or size < 1 or size % 2 == 0:
                raise ValueError(f'SLaK kernel sizes must be positive odd ints (kernels are '
                                 f'centred), got kernel_sizes={kernel_sizes}, '
                                 f'small_kernel={small_kernel}; small_kernel=None is allowed '
                                 f'only with decomposed=False.')
        if small_kernel is not None and min(kernel_sizes) < small_kernel:
            raise ValueError(f'SLaK kernel_sizes={kernel_sizes} has a kernel shorter than '
                             f'small_kernel={small_kernel}; every large kernel must be at '
                             f'least as long as the small one.')
        # read by _kernel_size, which the parent constructor calls
        self._stage_kernels = [(k, small_kernel) for k in kernel_sizes]
        super().__init__(arch=dict(depths=arch['depths'], channels=arch['channels']),
                         decomposed=decomposed, norm_cfg=norm_cfg, with_norm=with_norm,
                         conv_impl=conv_impl, **kwargs)
        self.kernel_sizes, self.small_kernel = kernel_sizes, small_kernel
        self.norm_eval = norm_eval
        enable_mask_loading(self)  # checkpoints with sparsity masks load as they are

    def train(self, mode: bool = True) -> 'SLaK':
        super().train(mode)
        if mode and self.norm_eval:  # keep the branch BatchNorms' statistics frozen
            set_batchnorm_eval(self)
        return self

    def _kernel_size(self, stage: int, kernel_size) -> Tuple[int, int]:
        return self._stage_kernels[stage]

    def convert_state_dict(self, state_dict):
        return convert_slak_state_dict(state_dict, final_norm=f'norm{self.num_stages - 1}')

    def switch_to_deploy(self, merge_branches: bool = True) -> 'SLaK':
        """Fold every branch norm into its conv and, with ``merge_branches``, merge
        each block's branches into one ``M x M`` kernel (for inference)."""
        for module in self.modules():
            if isinstance(module, LargeKernelConv):
                module.switch_to_deploy(merge_branches)
        return self
