"""CIFAR DenseNet-40 with per-layer widths.

"Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019; dissertation
Tables 3.4, 3.6, 3.20) evaluates DenseNet-40 (growth rate 12, three dense
blocks of 12 BN-ReLU-Conv3x3 layers, 1x1 transitions without compression;
reference: https://github.com/Eric-mingjie/rethinking-network-pruning,
``cifar/network-slimming/models/densenet.py``). A spec sets the number of new
channels of each dense layer (``dense{b}.{l}.conv``) and the output of each
transition (``trans{b}.conv``); every later layer's input slice follows.
"""
from typing import Dict, List

import torch
from mmcv.cnn import build_norm_layer
from torch import nn

from mmvisarch.pruning.groups import ChannelGroup, bn_slices
from mmvisarch.registry import MODELS
from ...utils import freeze
from .base import WidthSpecBackbone


class PreActConv(nn.Module):
    """BN-ReLU-Conv; a dense layer (``concat=True``) appends its output to its input."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, norm_cfg: dict,
                 concat: bool) -> None:
        super().__init__()
        self.concat = concat
        self.bn = build_norm_layer(norm_cfg, in_channels)[1]
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                              bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(self.relu(self.bn(x)))
        return torch.cat([x, out], 1) if self.concat else out


@MODELS.register_module()
class PrunedDenseNet(WidthSpecBackbone):
    """DenseNet (CIFAR, no bottleneck, compression 1) with per-layer widths.

    Stage ``i`` is dense block ``i`` followed by its transition (conv then a
    2x2 average pool); the last stage ends with BN-ReLU.

    Args:
        arch: ``densenet40`` or a dict with ``depths`` (layers per block),
            ``growth_rate`` and ``stem_channels``. Defaults to the spec's ``arch``.
        spec: width spec (dict, file or preset name). Defaults to None.
        in_channels: input channels. Defaults to 3.
        **kwargs: ``out_indices``, ``frozen_stages``, ``norm_eval``,
            ``norm_cfg``, ``init_cfg`` of :class:`WidthSpecBackbone`.
    """
    arch_zoo = {'densenet40': dict(depths=(12, 12, 12), growth_rate=12, stem_channels=24)}
    required_keys = ('depths', 'growth_rate', 'stem_channels')
    model_name = 'PrunedDenseNet'

    def __init__(self, arch=None, spec=None, in_channels: int = 3, **kwargs) -> None:
        self.in_channels = in_channels
        super().__init__(arch=arch, spec=spec, **kwargs)

    def _layout(self, widths: Dict[str, int]):
        """Per stage: (stage input channels, [(layer name, input width)], transition)."""
        channels = self.arch_settings['stem_channels']
        depths = self.arch_settings['depths']
        layout = []
        for b, depth in enumerate(depths, 1):
            start, layers = channels, []
            for j in range(depth):
                layers.append((f'dense{b}.{j}.conv', channels))
                channels += widths[f'dense{b}.{j}.conv']
            trans = f'trans{b}.conv' if b < len(depths) else None
            layout.append((start, layers, trans, channels))
            if trans:
                channels = widths[trans]
        return layout, channels

    def full_widths(self) -> Dict[str, int]:
        growth, widths = self.arch_settings['growth_rate'], {}
        channels = self.arch_settings['stem_channels']
        depths = self.arch_settings['depths']
        for b, depth in enumerate(depths, 1):
            for j in range(depth):
                widths[f'dense{b}.{j}.conv'] = growth
                channels += growth
            if b < len(depths):
                widths[f'trans{b}.conv'] = channels
        return widths

    def build(self):
        self.conv1 = nn.Conv2d(self.in_channels, self.arch_settings['stem_channels'], 3,
                               padding=1, bias=False)
        layout, final = self._layout(self.widths)
        stage_names, stage_channels = [], []
        for b, (_, layers, trans, channels) in enumerate(layout, 1):
            self.add_module(f'dense{b}', nn.Sequential(*[
                PreActConv(c_in, self.widths[name], 3, self.norm_cfg, concat=True)
                for name, c_in in layers]))
            if trans:
                self.add_module(f'trans{b}', PreActConv(channels, self.widths[trans], 1,
                                                        self.norm_cfg, concat=False))
            stage_names.append(f'dense{b}')
            stage_channels.append(self.widths[trans] if trans else channels)
        self.bn = build_norm_layer(self.norm_cfg, final)[1]
        self.relu = nn.ReLU(inplace=True)
        return stage_names, stage_channels

    def stem_modules(self) -> List[nn.Module]:
        return [self.conv1]

    def stage_of(self, name: str) -> int:
        """Stage index of a layer (``dense{b}.…``/``trans{b}.…`` -> ``b - 1``).

        Raises:
            ValueError: for names outside the stages (the stem).
        """
        head = name.split('.')[0]
        if head == 'bn':
            return self.num_stages - 1
        if not head.startswith(('dense', 'trans')):
            raise ValueError(f'{name!r} is not in a stage of {self.model_name}.')
        return int(head[len('dense'):]) - 1

    def _freeze_stages(self) -> None:
        super()._freeze_stages()
        for b in range(1, max(self.frozen_stages, 0) + 1):
            if hasattr(self, f'trans{b}'):
                freeze([getattr(self, f'trans{b}')])

    def forward(self, x: torch.Tensor):
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if hasattr(self, f'trans{i + 1}'):
                x = nn.functional.avg_pool2d(getattr(self, f'trans{i + 1}')(x), 2)
            else:
                x = self.relu(self.bn(x))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def channel_groups(self) -> List[ChannelGroup]:
        layout, _ = self._layout(self.widths)
        groups = []
        for b, (_, layers, trans, channels) in enumerate(layout):
            later_consumers = [name[:-len('.conv')] for name, _ in layers]
            end = trans[:-len('.conv')] if trans else 'bn'
            for j, (name, c_in) in enumerate(layers):
                offset = c_in
                slices = [(f'{name}.weight', 0, 0)]
                for consumer in later_consumers[j + 1:]:
                    slices += [*bn_slices(f'{consumer}.bn', offset),
                               (f'{consumer}.conv.weight', 1, offset)]
                slices += self._end_slices(end, offset)
                groups.append(ChannelGroup(name=name, width=self.widths[name],
                                           conv=f'{name}.weight', bn=None, slices=tuple(slices),
                                           output_offset=None if trans else offset))
            if trans:
                slices = [(f'{trans}.weight', 0, 0)]
                _, next_layers, next_trans, _ = layout[b + 1]
                for name, _ in next_layers:
                    slices += [*bn_slices(f'{name[:-len(".conv")]}.bn', 0),
                               (f'{name}.weight', 1, 0)]
                slices += self._end_slices(next_trans[:-len('.conv')] if next_trans else 'bn', 0)
                groups.append(ChannelGroup(name=trans, width=self.widths[trans],
                                           conv=f'{trans}.weight', bn=None, slices=tuple(slices),
                                           output_offset=None if next_trans else 0))
        return groups

    @staticmethod
    def _end_slices(prefix: str, offset: int) -> list:
        """Slices of the block's end: a transition (BN + conv input) or the final BN."""
        if prefix == 'bn':
            return list(bn_slices('bn', offset))
        return [*bn_slices(f'{prefix}.bn', offset), (f'{prefix}.conv.weight', 1, offset)]
