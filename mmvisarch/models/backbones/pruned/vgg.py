"""CIFAR VGG with per-layer widths (L1-norm VGG-16-A, Network Slimming VGG-19).

"Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019; dissertation
Tables 3.1, 3.4, 3.7, 3.21). The layout follows the reference code
(https://github.com/Eric-mingjie/rethinking-network-pruning, ``models/vgg.py``):
conv3x3-BN-ReLU layers in one ``features`` Sequential, 2x2 max pools between
stages and none after the last stage (a 32 px input ends at 2x2; the
classifier's global pool follows). Spec keys are the conv indices inside
``features`` (``features.0``, ``features.3``, ...), i.e. their state-dict names.
"""
from typing import Dict, List, Optional

import torch
from mmcv.cnn import build_norm_layer
from torch import nn

from mmvisarch.pruning.groups import ChannelGroup, bn_slices
from mmvisarch.registry import MODELS
from ...utils import check_input_size, freeze
from .base import WidthSpecBackbone

M = 'M'


@MODELS.register_module()
class PrunedVGG(WidthSpecBackbone):
    """VGG (CIFAR style, with BN) whose conv widths come from a width spec.

    Stages end at each max pool; the last stage has no pool.

    Args:
        arch: ``vgg11/13/16/19`` (CIFAR, BN), ``imagenet_vgg16`` (no BN, conv
            bias) or a dict with ``cfg`` (widths and 'M') and optional ``with_bn``.
            Defaults to the spec's ``arch``.
        spec: width spec (dict, file or preset name). Defaults to None.
        in_channels: input channels. Defaults to 3.
        conv_bias: convs have a bias even before a BN (the weight-level pruning
            reference's ``vgg19_bn``, ``cifar/weight-level/models/cifar/vgg.py``).
            Defaults to None: a bias only without BN.
        **kwargs: ``out_indices``, ``frozen_stages``, ``norm_eval``,
            ``norm_cfg``, ``init_cfg`` of :class:`WidthSpecBackbone`.
    """
    arch_zoo = {
        'vgg11': dict(cfg=(64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512)),
        'vgg13': dict(cfg=(64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512)),
        'vgg16': dict(cfg=(64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M,
                           512, 512, 512)),
        'vgg19': dict(cfg=(64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512,
                           M, 512, 512, 512, 512)),
        # ImageNet VGG-16 (torchvision layout: no BN, conv bias, a pool after every stage)
        'imagenet_vgg16': dict(cfg=(64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M,
                                    512, 512, 512, M), with_bn=False),
    }
    required_keys = ('cfg',)
    model_name = 'PrunedVGG'

    def __init__(self, arch=None, spec=None, in_channels: int = 3,
                 conv_bias: Optional[bool] = None, **kwargs) -> None:
        self.in_channels = in_channels
        self._conv_bias = conv_bias
        super().__init__(arch=arch, spec=spec, **kwargs)

    @property
    def _with_bn(self) -> bool:
        return self.arch_settings.get('with_bn', True)

    @property
    def conv_bias(self) -> bool:
        """Whether the convs have a bias (default: only when there is no BN)."""
        return not self._with_bn if self._conv_bias is None else bool(self._conv_bias)

    def _conv_indices(self) -> List[int]:
        """Index in ``features`` of each conv (conv, [BN,] ReLU per layer)."""
        indices, index = [], 0
        for v in self.arch_settings['cfg']:
            if v == M:
                index += 1
            else:
                indices.append(index)
                index += 3 if self._with_bn else 2
        return indices

    def full_widths(self) -> Dict[str, int]:
        widths = [v for v in self.arch_settings['cfg'] if v != M]
        return {f'features.{i}': w for i, w in zip(self._conv_indices(), widths)}

    def build(self):
        layers, channels, stage_ends, stage_channels = [], self.in_channels, [], []
        for v in self.arch_settings['cfg']:
            if v == M:
                layers.append(nn.MaxPool2d(2, 2))
                stage_ends.append(len(layers))
                stage_channels.append(channels)
                continue
            width = self.widths[f'features.{len(layers)}']
            layers.append(nn.Conv2d(channels, width, 3, padding=1, bias=self.conv_bias))
            if self._with_bn:
                layers.append(build_norm_layer(self.norm_cfg, width)[1])
            layers.append(nn.ReLU(inplace=True))
            channels = width
        if not stage_ends or stage_ends[-1] != len(layers):
            stage_ends.append(len(layers))
            stage_channels.append(channels)
        self.features = nn.Sequential(*layers)
        self._stage_bounds = list(zip([0] + stage_ends[:-1], stage_ends))
        return [f'stage{i}' for i in range(len(stage_ends))], stage_channels

    def stage_of(self, name: str) -> int:
        """Stage index of a conv (``features.{i}``)."""
        index = int(name.split('.')[1])
        return next(s for s, (start, end) in enumerate(self._stage_bounds) if start <= index < end)

    def _freeze_stages(self) -> None:
        for start, end in self._stage_bounds[:max(self.frozen_stages, 0)]:
            freeze(self.features[start:end])

    def forward(self, x: torch.Tensor):
        check_input_size(self, x, self.model_name)
        outs = []
        for i, (start, end) in enumerate(self._stage_bounds):
            x = self.features[start:end](x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def channel_groups(self) -> List[ChannelGroup]:
        indices = self._conv_indices()
        groups = []
        for n, i in enumerate(indices):
            name = f'features.{i}'
            consumer = (((f'features.{indices[n + 1]}.weight', 1, 0),)
                        if n + 1 < len(indices) else ())
            own = (((f'{name}.bias', 0, 0),) if self.conv_bias else ())
            own += tuple(bn_slices(f'features.{i + 1}')) if self._with_bn else ()
            groups.append(ChannelGroup(
                name=name, width=self.widths[name], conv=f'{name}.weight',
                bn=f'features.{i + 1}' if self._with_bn else None,
                slices=((f'{name}.weight', 0, 0), *own, *consumer),
                output_offset=None if consumer else 0))
        return groups
