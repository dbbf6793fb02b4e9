"""ConvNeXt: "A ConvNet for the 2020s" (Liu et al., CVPR 2022; dissertation ch. 4).

Reference implementation: https://github.com/facebookresearch/ConvNeXt. Parameter
names follow its checkpoints (``downsample_layers.{i}``, ``stages.{i}.{j}.dwconv``,
``norm{i}``) so official weights load with almost no renaming, and
:func:`convert_convnext_state_dict` maps the timm, mmpretrain, torchvision and
Hugging Face transformers layouts onto them.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import nn

from mmvisarch.registry import MODELS
from ..layers import LayerNorm2d
from ..utils import (check_input_size, freeze, init_from_pretrained, normalize_out_indices,
                     resolve_arch)

DEFAULT_INIT_CFG = [
    dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
    dict(type='Constant', layer=['LayerNorm'], val=1., bias=0.),
]


def input_memory_format(x: torch.Tensor) -> torch.memory_format:
    """``channels_last`` for a channels-last 4-D input, else the default contiguous format."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return torch.channels_last
    return torch.contiguous_format


def drop_path_rates(max_rate: float, num_blocks: int) -> List[float]:
    """Stochastic depth rates increasing linearly from 0 to ``max_rate`` over the blocks."""
    return [max_rate * i / max(num_blocks - 1, 1) for i in range(num_blocks)]


class ConvNeXtBlock(nn.Module):
    """The ConvNeXt block (Fig. 4.4): token mixer, LN, Linear 4x, GELU, Linear.

    The token mixer is a 7x7 depthwise conv named ``dwconv``; subclasses swap
    it (SLaK's decomposed large kernel) by overriding :meth:`build_mixer` and
    :attr:`mixer_name`, keeping their checkpoints' names.

    Args:
        channels: input and output channels.
        kernel_size: depthwise kernel size. Defaults to 7 (Sec. 4.2.4).
        mlp_ratio: width of the inverted bottleneck. Defaults to 4.
        drop_path: stochastic depth rate of this block. Defaults to 0.
        layer_scale_init_value: initial value of ``gamma``; 0 disables layer
            scale. Defaults to 1e-6.
        with_cp: use gradient checkpointing. Defaults to False.
    """

    mixer_name = 'dwconv'

    def __init__(self, channels: int, kernel_size: int = 7, mlp_ratio: float = 4.,
                 drop_path: float = 0., layer_scale_init_value: float = 1e-6,
                 with_cp: bool = False) -> None:
        super().__init__()
        self.with_cp = with_cp
        setattr(self, self.mixer_name, self.build_mixer(channels, kernel_size))
        self.norm = nn.LayerNorm(channels, eps=1e-6)
        hidden = int(mlp_ratio * channels)
        self.pwconv1 = nn.Linear(channels, hidden)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(hidden, channels)
        self.gamma = (nn.Parameter(torch.full((channels,), float(layer_scale_init_value)))
                      if layer_scale_init_value > 0 else None)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def build_mixer(self, channels: int, kernel_size: int) -> nn.Module:
        return nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2,
                         groups=channels)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = getattr(self, self.mixer_name)(x)
        x = x.permute(0, 2, 3, 1)  # (N, H, W, C): the norm and MLP act per pixel
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        if self.gamma is not None:
            x = x * self.gamma
        return shortcut + self.drop_path(x.permute(0, 3, 1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)


# torchvision ``CNBlock.block``: 0 depthwise conv, 1 permute, 2 LayerNorm, 3 Linear, 4 GELU,
# 5 Linear, 6 permute.
_TORCHVISION_BLOCK = {'0': 'dwconv', '2': 'norm', '3': 'pwconv1', '5': 'pwconv2'}


def _rename_torchvision(key: str) -> str:
    """torchvision ``convnext_*``: ``features.{2i}`` downsampling (0: stem), ``features.{2i+1}``
    stage ``i``, ``classifier.0`` the final norm."""
    match = re.match(r'features\.(\d+)\.(.*)$', key)
    if match is None:
        return re.sub(r'^classifier\.0\.', 'norm.', key)
    index, rest = int(match.group(1)), match.group(2)
    if index % 2 == 0:
        return f'downsample_layers.{index // 2}.{rest}'
    block = re.match(r'(\d+)\.(?:layer_scale$|block\.(\d+)\.(.*)$)', rest)
    if block is None:
        return key
    if block.group(2) is None:
        return f'stages.{index // 2}.{block.group(1)}.gamma'
    layer = _TORCHVISION_BLOCK.get(block.group(2), f'block.{block.group(2)}')
    return f'stages.{index // 2}.{block.group(1)}.{layer}.{block.group(3)}'


def convert_convnext_state_dict(state_dict: Dict[str, torch.Tensor],
                                final_norm: str = 'norm3') -> Dict[str, torch.Tensor]:
    """Map any known ConvNeXt checkpoint layout onto the official names.

    Recognised: official classification and detection/segmentation
    checkpoints (already official), mmpretrain (``depthwise_conv``,
    ``pointwise_conv1``, ``head.fc``), timm (``stem.0``,
    ``stages.{i}.downsample``, ``stages.{i}.blocks.{j}.conv_dw``, ``mlp.fc1``,
    ``head.norm``), torchvision (``features.{i}.{j}.block.{k}``,
    ``layer_scale``, ``classifier.0``) and Hugging Face transformers
    (``convnext.embeddings.*``, ``convnext.encoder.stages.{i}.layers.{j}.*``,
    ``layer_scale_parameter``, ``convnext.layernorm``). Classifier heads are
    dropped; the classification model's final norm becomes ``final_norm``
    (the norm of the last stage). Layer scales stored as ``(C, 1, 1)``
    (torchvision) become ``(C,)``.
    """
    torchvision = any(key.startswith('features.') for key in state_dict)
    renames = [
        (r'^convnext\.', ''),                                 # Hugging Face transformers
        (r'^embeddings\.patch_embeddings\.', 'downsample_layers.0.0.'),
        (r'^embeddings\.layernorm\.', 'downsample_layers.0.1.'),
        (r'^encoder\.stages\.(\d+)\.downsampling_layer\.', r'downsample_layers.\1.'),
        (r'^encoder\.stages\.(\d+)\.layers\.(\d+)\.', r'stages.\1.\2.'),
        (r'\.layernorm\.', '.norm.'),
        (r'\.layer_scale_parameter$', '.gamma'),
        (r'^layernorm\.', 'norm.'),
        (r'^stem\.0\.', 'downsample_layers.0.0.'),            # timm
        (r'^stem\.1\.', 'downsample_layers.0.1.'),
        (r'^stages\.(\d+)\.downsample\.', r'downsample_layers.\1.'),
        (r'^stages\.(\d+)\.blocks\.(\d+)\.', r'stages.\1.\2.'),
        (r'\.conv_dw\.', '.dwconv.'),
        (r'\.mlp\.fc(\d)\.', r'.pwconv\1.'),
        (r'^head\.norm\.', 'norm.'),
        (r'\.depthwise_conv\.', '.dwconv.'),                  # mmpretrain
        (r'\.pointwise_conv(\d)\.', r'.pwconv\1.'),
        (r'^norm\.', f'{final_norm}.'),                       # official classifier
    ]
    converted = OrderedDict()
    for key, value in state_dict.items():
        if torchvision:
            if key.startswith('classifier.') and not key.startswith('classifier.0.'):
                continue
            key = _rename_torchvision(key)
        elif key.startswith(('head.', 'fc.', 'classifier.')) and not key.startswith('head.norm.'):
            continue
        for pattern, repl in renames:
            key = re.sub(pattern, repl, key)
        if re.search(r'\.pwconv\d\.weight$', key) and value.ndim == 4:
            value = value.flatten(1)  # 1x1 conv form of the pointwise layers
        if key.endswith('.gamma') and value.ndim == 3:
            value = value.flatten()  # torchvision's (C, 1, 1) layer scale
        converted[key] = value
    return converted


class _ConvNeXtBase(BaseModule):
    """What ConvNeXt and its isotropic variant share: arch, outputs, loading."""

    arch_zoo: Dict[str, dict] = {}
    model_name = 'ConvNeXt'
    # init_cfg Pretrained may leave these at their init: the per-stage output norms, which
    # classification checkpoints lack (see models/utils/checkpoint.py)
    init_missing_ok = ('norm[0-9]*', )

    def _set_out_indices(self, out_indices: Union[int, Sequence[int]], num_stages: int,
                         channels: Sequence[int], gap_before_final_norm: bool) -> None:
        self.out_indices = normalize_out_indices(out_indices, num_stages, self.model_name)
        self.out_channels = tuple(channels[i] for i in self.out_indices)
        self.gap_before_final_norm = gap_before_final_norm
        for i in self.out_indices:
            self.add_module(f'norm{i}', LayerNorm2d(channels[i]))

    def _output(self, index: int, x: torch.Tensor,
                memory_format: torch.memory_format) -> torch.Tensor:
        """The normalised output of stage ``index``, in the memory format of the input image.

        The blocks compute channels-last internally; host ops such as mmcv's
        ``roi_align`` read raw NCHW memory, so a strided output would scramble them.
        """
        norm = getattr(self, f'norm{index}')
        if self.gap_before_final_norm:
            return norm(x.mean((2, 3), keepdim=True)).flatten(1)
        return norm(x).contiguous(memory_format=memory_format)

    def convert_state_dict(self, state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        raise NotImplementedError

    def init_weights(self) -> None:
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            init_from_pretrained(self, self.init_cfg, self.convert_state_dict, self.model_name)
            self._is_init = True
            return
        super().init_weights()


@MODELS.register_module()
class ConvNeXt(_ConvNeXtBase):
    """ConvNeXt backbone (Sec. 4.4, Table 4.8).

    Args:
        arch: 'tiny', 'small', 'base', 'large', 'xlarge', or
            ``dict(depths=[...], channels=[...])``. Defaults to 'tiny'.
        in_channels: input image channels. Defaults to 3.
        out_indices: stages whose (normalised) output is returned; negative
            values count from the end. Defaults to (0, 1, 2, 3).
        stem_patch_size: the "patchify" stem stride. Defaults to 4.
        kernel_size: depthwise kernel size. Defaults to 7.
        drop_path_rate: stochastic depth rate, linearly increased over blocks.
            Defaults to 0.
        layer_scale_init_value: layer scale init; 0 disables it. Defaults to 1e-6.
        frozen_stages: the first ``frozen_stages`` stages (downsampling layer
            and blocks) are put in eval mode with ``requires_grad=False``.
            0 freezes nothing. Defaults to 0.
        gap_before_final_norm: global-average-pool each output before its norm
            (classification). Defaults to False (dense tasks).
        with_cp: gradient checkpointing in each block. Defaults to False.
        init_cfg: init config; ``dict(type='Pretrained', checkpoint=PATH_OR_URL,
            prefix=None, prefer_ema=False)`` loads any known checkpoint layout.
    """

    arch_zoo = {
        'tiny': dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768]),
        'small': dict(depths=[3, 3, 27, 3], channels=[96, 192, 384, 768]),
        'base': dict(depths=[3, 3, 27, 3], channels=[128, 256, 512, 1024]),
        'large': dict(depths=[3, 3, 27, 3], channels=[192, 384, 768, 1536]),
        'xlarge': dict(depths=[3, 3, 27, 3], channels=[256, 512, 1024, 2048]),
    }
    block_cls = ConvNeXtBlock

    def __init__(self, arch: Union[str, dict] = 'tiny', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 stem_patch_size: int = 4, kernel_size: int = 7, drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6, frozen_stages: int = 0,
                 gap_before_final_norm: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None, **block_kwargs) -> None:
        super().__init__(init_cfg=init_cfg if init_cfg is not None else DEFAULT_INIT_CFG)
        arch = resolve_arch(arch, self.arch_zoo, ('depths', 'channels'), self.model_name)
        self.depths, self.channels = list(arch['depths']), list(arch['channels'])
        if len(self.depths) != len(self.channels):
            raise ValueError(f'{self.model_name} arch has {len(self.depths)} depths but '
                             f'{len(self.channels)} channels; give one of each per stage.')
        self.num_stages = len(self.depths)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'{self.model_name} frozen_stages={frozen_stages} is out of range: '
                             f'use 0 (nothing frozen) to {self.num_stages} (all stages).')
        self.frozen_stages = frozen_stages

        self.downsample_layers = nn.ModuleList([nn.Sequential(
            nn.Conv2d(in_channels, self.channels[0], stem_patch_size, stride=stem_patch_size),
            LayerNorm2d(self.channels[0]))])
        for i in range(1, self.num_stages):
            self.downsample_layers.append(nn.Sequential(
                LayerNorm2d(self.channels[i - 1]),
                nn.Conv2d(self.channels[i - 1], self.channels[i], 2, stride=2)))

        rates = drop_path_rates(drop_path_rate, sum(self.depths))
        self.stages = nn.ModuleList()
        for i, depth in enumerate(self.depths):
            start = sum(self.depths[:i])
            self.stages.append(nn.Sequential(*[
                self.block_cls(self.channels[i], kernel_size=self._kernel_size(i, kernel_size),
                               drop_path=rates[start + j],
                               layer_scale_init_value=layer_scale_init_value, with_cp=with_cp,
                               **block_kwargs)
                for j in range(depth)]))
        self._set_out_indices(out_indices, self.num_stages, self.channels, gap_before_final_norm)
        self._freeze_stages()

    def _kernel_size(self, stage: int, kernel_size):
        return kernel_size

    def convert_state_dict(self, state_dict):
        return convert_convnext_state_dict(state_dict, final_norm=f'norm{self.num_stages - 1}')

    @property
    def layer_decay_num_layers(self) -> int:
        """The largest layer id of :meth:`get_layer_depth`: 12 for the 27-block third
        stage of S/B/L/XL, 6 for T (the paper's configs; mmpretrain's rule), or
        more when a custom third-to-last stage needs it."""
        n = self.num_stages
        if n < 3:
            raise ValueError(f'layer-wise decay of {self.model_name} follows the official rule, '
                             f'written for >= 3 stages; got {n} stages (depths {self.depths}). '
                             f"Use stage-wise decay (decay_type='stage_wise') instead.")
        deepest = n - 1 + (self.depths[n - 2] - 1) // 3
        return max(12 if self.depths[n - 2] > 9 else 6, deepest)

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise lr decay (Sec. 4.5.2).

        mmpretrain's protocol (``BaseBackbone``-style: its
        ``LearningRateDecayOptimWrapperConstructor`` calls it through
        ``ImageClassifier.get_layer_depth``) with the official rule of the
        ConvNeXt reference code (``object_detection/mmcv_custom``), written for
        any number ``n >= 3`` of stages. For 4 stages and ``L`` =
        :attr:`layer_decay_num_layers`: downsample_layers.0 -> 0, stages.0 -> 1,
        downsample_layers.1 and stages.1 -> 2, downsample_layers.2 -> 3,
        stages.2.{b} -> 3 + b // 3, downsample_layers.3 and stages.3 -> L,
        everything else (the ``norm{i}`` outputs, names outside ``prefix``) -> L + 1.

        Args:
            param_name: parameter name, including ``prefix``.
            prefix: the backbone's prefix in ``param_name`` (``'backbone.'``).
                Defaults to ''.

        Returns:
            ``(layer_id, L + 2)``; a parameter's lr scale is
            ``decay_rate ** (L + 1 - layer_id)``.
        """
        n, last = self.num_stages, self.layer_decay_num_layers
        match = re.match(r'(downsample_layers|stages)\.(\d+)\.(?:(\d+)\.)?',
                         param_name[len(prefix):]) if param_name.startswith(prefix) else None
        if match is None:
            return last + 1, last + 2
        kind, stage = match.group(1), int(match.group(2))
        if stage == n - 1:
            layer_id = last
        elif stage == n - 2:
            layer_id = n - 1 if kind == 'downsample_layers' else n - 1 + int(match.group(3)) // 3
        elif kind == 'downsample_layers':
            layer_id = 0 if stage == 0 else stage + 1
        else:
            layer_id = stage + 1
        return layer_id, last + 2

    def get_stage_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Stage id of a parameter for stage-wise lr decay (the official 'stage_wise' rule).

        Every downsampling layer -> 0, stages.{i} -> i + 1, everything else ->
        ``n + 1`` for ``n`` stages; returns ``(stage_id, n + 2)``, the same shape
        as :meth:`get_layer_depth`.
        """
        n = self.num_stages
        match = re.match(r'(downsample_layers|stages)\.(\d+)\.',
                         param_name[len(prefix):]) if param_name.startswith(prefix) else None
        if match is None:
            return n + 1, n + 2
        return (0 if match.group(1) == 'downsample_layers' else int(match.group(2)) + 1), n + 2

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        check_input_size(self, x, self.model_name)
        memory_format = input_memory_format(x)
        outs = []
        for i in range(self.num_stages):
            x = self.stages[i](self.downsample_layers[i](x))
            if i in self.out_indices:
                outs.append(self._output(i, x, memory_format))
        return tuple(outs)

    def _freeze_stages(self) -> None:
        for i in range(max(self.frozen_stages, 0)):
            freeze([self.downsample_layers[i], self.stages[i]])

    def train(self, mode: bool = True) -> 'ConvNeXt':
        super().train(mode)
        self._freeze_stages()
        return self


@MODELS.register_module()
class ConvNeXtIsotropic(_ConvNeXtBase):
    """Isotropic ConvNeXt (Sec. 4.4.3, Table 4.2): a 16x16 patch stem then
    same-resolution blocks, ViT-style, giving single-scale (stride 16) features.

    Args:
        arch: 'small', 'base', 'large' or ``dict(depth=..., channels=...)``.
        out_indices: blocks whose normalised output is returned. Defaults to -1.
        Others as :class:`ConvNeXt`.
    """

    arch_zoo = {
        'small': dict(depth=18, channels=384),
        'base': dict(depth=18, channels=768),
        'large': dict(depth=36, channels=1024),
    }
    model_name = 'ConvNeXtIsotropic'

    def __init__(self, arch: Union[str, dict] = 'small', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1, patch_size: int = 16,
                 drop_path_rate: float = 0., layer_scale_init_value: float = 0.,
                 gap_before_final_norm: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg if init_cfg is not None else DEFAULT_INIT_CFG)
        arch = resolve_arch(arch, self.arch_zoo, ('depth', 'channels'), self.model_name)
        self.depth, channels = arch['depth'], arch['channels']
        self.stem = nn.Conv2d(in_channels, channels, patch_size, stride=patch_size)
        rates = drop_path_rates(drop_path_rate, self.depth)
        self.blocks = nn.Sequential(*[
            ConvNeXtBlock(channels, drop_path=rates[i],
                          layer_scale_init_value=layer_scale_init_value, with_cp=with_cp)
            for i in range(self.depth)])
        self._set_out_indices(out_indices, self.depth, [channels] * self.depth,
                              gap_before_final_norm)

    def convert_state_dict(self, state_dict):
        converted = OrderedDict()
        for key, value in state_dict.items():
            if key.startswith('head.'):
                continue
            converted[re.sub(r'^norm\.', f'norm{self.depth - 1}.', key)] = value
        return converted

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id for layer-wise lr decay, mmpretrain's protocol with its
        ViT rule (isotropic ConvNeXt is ViT-shaped, Sec. 4.4.3): stem -> 0,
        blocks.{i} -> i + 1, everything else -> depth + 1; returns
        ``(layer_id, depth + 2)``.
        """
        match = re.match(r'(stem|blocks\.(\d+))\.', param_name[len(prefix):]) \
            if param_name.startswith(prefix) else None
        if match is None:
            return self.depth + 1, self.depth + 2
        return (0 if match.group(2) is None else int(match.group(2)) + 1), self.depth + 2

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        check_input_size(self, x, self.model_name)
        memory_format = input_memory_format(x)
        x = self.stem(x)
        outs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.out_indices:
                outs.append(self._output(i, x, memory_format))
        return tuple(outs)
