"""ResNet with per-layer widths and removable blocks (pruned ResNets as data).

Covers the architectures of "Rethinking the Value of Network Pruning" (Liu et
al., ICLR 2019; dissertation Sec. 3.5, Tables 3.1-3.5, 3.12): L1-norm filter
pruning's ResNet-34-A/B and CIFAR ResNet-56/110-A/B (widths of the first conv
of each BasicBlock), ThiNet and regression-based ResNet-50 (widths of the two
inner convs of each Bottleneck), and Sparse Structure Selection's ResNet-41/32/26
(residual branches removed). Parameter names follow torchvision (``conv1``,
``bn1``, ``layer1.0.conv1``, ``downsample.0``) as the reference code
(https://github.com/Eric-mingjie/rethinking-network-pruning) and mmdet's
``torchvision://`` checkpoints do. CIFAR models use the parameter-free "option
A" shortcut (stride-2 average pool, zero-padded channels) of the reference;
``option_a_detach=True`` reproduces the reference's ``Variable(torch.cat([x.data,
zeros]))``, which passes no gradient through that shortcut (off by default).
"""
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import nn

from mmvisarch.pruning.groups import ChannelGroup, bn_slices
from mmvisarch.registry import MODELS
from .base import WidthSpecBackbone


class ZeroPadShortcut(nn.Module):
    """Option-A shortcut: average-pool by ``stride``, zero-pad to ``out_channels``."""

    def __init__(self, stride: int, out_channels: int, detach: bool = False) -> None:
        super().__init__()
        self.stride, self.out_channels, self.detach = stride, out_channels, detach

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.detach:  # the reference rebuilds the tensor from ``x.data``: no gradient
            x = x.detach()
        if self.stride > 1:
            x = F.avg_pool2d(x, self.stride, self.stride)
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - x.shape[1]))


class ResidualBlock(nn.Module):
    """BasicBlock (two 3x3 convs) or Bottleneck (1x1-3x3-1x1, stride on the 3x3).

    ``widths`` are the output channels of the inner convs (one for basic, two
    for bottleneck); the last conv always has ``out_channels``. Post-activation
    (``conv{i}`` then ``bn{i}``) or, with ``preact``, pre-activation
    (``bn{i}``-ReLU then ``conv{i}``; He et al. 2016, the PreResNets of
    Tables 3.4/3.18/3.19) with a conv-only projection shortcut. With
    ``with_branch=False`` (a block removed by Sparse Structure Selection) only
    the shortcut remains.
    """

    def __init__(self, kind: str, in_channels: int, widths: Sequence[int], out_channels: int,
                 stride: int, shortcut: str, norm_cfg: dict, with_branch: bool = True,
                 preact: bool = False, option_a_detach: bool = False,
                 downsample_bias: bool = False) -> None:
        super().__init__()
        self.with_branch, self.preact = with_branch, preact
        if with_branch:
            kernels = (3, 3) if kind == 'basic' else (1, 3, 1)
            strides = (stride, 1) if kind == 'basic' else (1, stride, 1)
            channels = [in_channels, *widths, out_channels]
            for i, (k, s) in enumerate(zip(kernels, strides), 1):
                self.add_module(f'conv{i}', nn.Conv2d(channels[i - 1], channels[i], k, s,
                                                      padding=k // 2, bias=False))
                bn_channels = channels[i - 1] if preact else channels[i]
                self.add_module(f'bn{i}', build_norm_layer(norm_cfg, bn_channels)[1])
            self.num_convs = len(kernels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            if shortcut == 'A':
                self.downsample = ZeroPadShortcut(stride, out_channels, option_a_detach)
            else:
                layers = [nn.Conv2d(in_channels, out_channels, 1, stride, bias=downsample_bias)]
                if not preact:
                    layers.append(build_norm_layer(norm_cfg, out_channels)[1])
                self.downsample = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        if not self.with_branch:
            return identity if self.preact else self.relu(identity)
        out = x
        for i in range(1, self.num_convs + 1):
            conv, bn = getattr(self, f'conv{i}'), getattr(self, f'bn{i}')
            if self.preact:
                out = conv(self.relu(bn(out)))
            else:
                out = bn(conv(out))
                if i < self.num_convs:
                    out = self.relu(out)
        return out + identity if self.preact else self.relu(out + identity)


@MODELS.register_module()
class PrunedResNet(WidthSpecBackbone):
    """ResNet whose inner widths and kept blocks come from a width spec.

    Prunable layers (spec keys): ``layer{s}.{b}.conv1`` of BasicBlocks;
    ``layer{s}.{b}.conv1`` and ``.conv2`` of Bottlenecks. The residual stream
    (block outputs, shortcuts) keeps its width, as in all methods of Sec. 3.5.
    Removable blocks: ``layer{s}.{b}``; a removed first block keeps its
    projection shortcut (Sparse Structure Selection, Table 3.5).

    Args:
        arch: unpruned architecture name (``resnet18/34/50/101``,
            ``cifar_resnet20/56/110/164``, ``cifar_preresnet110/164``) or a
            dict with ``block`` ('basic'/'bottleneck'), ``depths``,
            ``channels`` (planes per stage), ``stem`` ('imagenet'/'cifar'),
            ``shortcut`` ('A'/'B') and ``preact`` (pre-activation; the last
            stage is followed by ``bn``-ReLU).
            Defaults to the spec's ``arch``.
        spec: width spec (dict, file or preset name). Defaults to None (unpruned).
        in_channels: input channels. Defaults to 3.
        option_a_detach: option-A shortcuts pass no gradient, as the reference's
            CIFAR ResNet (``Variable(torch.cat([x.data, zeros]))``). Defaults to False.
        downsample_bias: the projection shortcut conv has a bias (the ThiNet
            reference ResNet-50, ``imagenet/thinet/models``). Defaults to False.
        out_indices: stages whose outputs are returned. Defaults to -1 (last).
        frozen_stages: -1 freezes nothing, 0 the stem, ``i`` the stem and the
            first ``i`` stages (mmdet's convention). Defaults to -1.
        norm_eval: keep BN layers in eval mode while training. Defaults to False.
        norm_cfg: norm layer config. Defaults to ``dict(type='BN')``.
        init_cfg: init config. Defaults to Kaiming (fan_out) convs, BN = 1.
    """
    arch_zoo = {
        **{f'resnet{d}': dict(block=b, depths=ds, channels=(64, 128, 256, 512), stem='imagenet',
                              shortcut='B')
           for d, b, ds in ((18, 'basic', (2, 2, 2, 2)), (34, 'basic', (3, 4, 6, 3)),
                            (50, 'bottleneck', (3, 4, 6, 3)), (101, 'bottleneck', (3, 4, 23, 3)))},
        **{f'cifar_resnet{d}': dict(block='basic', depths=((d - 2) // 6,) * 3,
                                    channels=(16, 32, 64), stem='cifar', shortcut='A')
           for d in (20, 32, 56, 110)},
        'cifar_resnet164': dict(block='bottleneck', depths=(18, 18, 18), channels=(16, 32, 64),
                                stem='cifar', shortcut='B'),
        # pre-activation ResNets of Network Slimming / unstructured pruning (Tables 3.4, 3.6)
        # the reference's PreResNet-110 (cifar/weight-level/models/cifar/preresnet.py) uses
        # Bottlenecks for depth >= 44 with n = (depth - 2) // 9 = 12 blocks per stage
        'cifar_preresnet110': dict(block='bottleneck', depths=(12, 12, 12),
                                   channels=(16, 32, 64), stem='cifar', shortcut='B',
                                   preact=True),
        'cifar_preresnet164': dict(block='bottleneck', depths=(18, 18, 18),
                                   channels=(16, 32, 64), stem='cifar', shortcut='B',
                                   preact=True),
    }
    required_keys = ('block', 'depths', 'channels')
    model_name = 'PrunedResNet'

    def __init__(self, arch=None, spec=None, in_channels: int = 3,
                 option_a_detach: bool = False, downsample_bias: bool = False,
                 **kwargs) -> None:
        self.in_channels = in_channels
        self.option_a_detach, self.downsample_bias = option_a_detach, downsample_bias
        super().__init__(arch=arch, spec=spec, **kwargs)

    # arch helpers
    @property
    def _kind(self) -> str:
        kind = self.arch_settings['block']
        if kind not in ('basic', 'bottleneck'):
            raise ValueError(f"PrunedResNet block must be 'basic' or 'bottleneck', got {kind!r}.")
        return kind

    @property
    def _preact(self) -> bool:
        return bool(self.arch_settings.get('preact', False))

    @property
    def _expansion(self) -> int:
        return 1 if self._kind == 'basic' else 4

    def _inner_names(self) -> List[str]:
        return ['conv1'] if self._kind == 'basic' else ['conv1', 'conv2']

    def block_names(self) -> List[str]:
        return [f'layer{s + 1}.{b}' for s, depth in enumerate(self.arch_settings['depths'])
                for b in range(depth)]

    def full_widths(self) -> Dict[str, int]:
        planes = dict(zip(range(len(self.arch_settings['depths'])),
                          self.arch_settings['channels']))
        return {f'{block}.{conv}': planes[int(block[5:].split('.')[0]) - 1]
                for block in self.block_names() for conv in self._inner_names()}

    def build(self):
        settings = self.arch_settings
        stem = settings.get('stem', 'imagenet')
        if stem not in ('imagenet', 'cifar'):
            raise ValueError(f"PrunedResNet stem must be 'imagenet' or 'cifar', got {stem!r}.")
        stem_channels = settings.get('stem_channels', settings['channels'][0])
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(self.in_channels, stem_channels, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(self.in_channels, stem_channels, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        if not self._preact:  # a pre-activation net normalises at the start of each block
            self.bn1 = build_norm_layer(self.norm_cfg, stem_channels)[1]
        self.relu = nn.ReLU(inplace=True)
        channels, stage_names, stage_channels = stem_channels, [], []
        for s, (depth, planes) in enumerate(zip(settings['depths'], settings['channels'])):
            out_channels = planes * self._expansion
            blocks = []
            for b in range(depth):
                name = f'layer{s + 1}.{b}'
                blocks.append(ResidualBlock(
                    self._kind, channels,
                    [self.widths[f'{name}.{c}'] for c in self._inner_names()], out_channels,
                    stride=2 if b == 0 and s > 0 else 1, shortcut=settings.get('shortcut', 'B'),
                    norm_cfg=self.norm_cfg, with_branch=name not in self.removed_blocks,
                    preact=self._preact, option_a_detach=self.option_a_detach,
                    downsample_bias=self.downsample_bias))
                channels = out_channels
            self.add_module(f'layer{s + 1}', nn.Sequential(*blocks))
            stage_names.append(f'layer{s + 1}')
            stage_channels.append(out_channels)
        if self._preact:
            self.bn = build_norm_layer(self.norm_cfg, channels)[1]
        return stage_names, stage_channels

    def stem_modules(self) -> List[nn.Module]:
        return [self.conv1] if self._preact else [self.conv1, self.bn1]

    def stage_of(self, name: str) -> int:
        """Stage index of a layer or block name (``layer{s}.…`` -> ``s - 1``).

        Raises:
            ValueError: for names outside the stages (the stem).
        """
        head = name.split('.')[0]
        if head == 'bn':  # the final norm of a pre-activation net closes the last stage
            return self.num_stages - 1
        if not head.startswith('layer'):
            raise ValueError(f'{name!r} is not in a stage of {self.model_name}.')
        return int(head[len('layer'):]) - 1

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        if self._preact:
            return self.maxpool(self.conv1(x))
        return self.maxpool(self.relu(self.bn1(self.conv1(x))))

    def forward_output(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        if self._preact and stage == self.num_stages - 1:
            return self.relu(self.bn(x))
        return x

    def channel_groups(self) -> List[ChannelGroup]:
        groups = []
        for block in self.block_names():
            if block in self.removed_blocks:
                continue
            for i, conv in enumerate(self._inner_names(), 1):
                name = f'{block}.{conv}'
                # the BN of these channels: after the conv, or before the next conv (preact)
                bn = f'{block}.bn{i + 1}' if self._preact else f'{block}.bn{i}'
                groups.append(ChannelGroup(
                    name=name, width=self.widths[name], conv=f'{name}.weight', bn=bn,
                    slices=((f'{name}.weight', 0, 0), *bn_slices(bn),
                            (f'{block}.conv{i + 1}.weight', 1, 0))))
        return groups
