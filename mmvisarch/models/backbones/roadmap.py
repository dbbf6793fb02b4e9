"""The ConvNeXt "modernization roadmap" from ResNet to ConvNeXt (dissertation Sec. 4.2,
Fig. 4.2, Tables 4.10 and 4.11; reference: facebookresearch/ConvNeXt, whose code
releases only the end point).

:class:`ModernizedResNet` is one backbone whose options take the steps of the
roadmap one at a time. Its defaults are ResNet-50; the options of the last step
give exactly ConvNeXt (same module names and shapes, so official ConvNeXt
checkpoints load into it). ``configs/convnext/roadmap/`` has one config per step.

Channel widths follow the paper: with bottleneck blocks, stage ``i`` has inner
width ``width * 2**i`` and outer width 4x that (ResNet); with inverted
bottlenecks, stage ``i`` has width ``width * 2**i`` and a 4x hidden layer.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmvisarch.registry import MODELS
from ..layers import LayerNorm2d
from ..utils import freeze, normalize_out_indices, set_batchnorm_eval
from .convnext import (DEFAULT_INIT_CFG, ConvNeXt, ConvNeXtBlock, _ConvNeXtBase,
                       convert_convnext_state_dict, drop_path_rates, input_memory_format)

LAYOUTS = ('bottleneck', 'inverted', 'inverted_dw_first')
STEMS = ('resnet', 'patchify')
NORMS = {'BN': nn.BatchNorm2d, 'LN': LayerNorm2d}
ACTS = {'ReLU': nn.ReLU, 'GELU': nn.GELU}


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f'ModernizedResNet {name} must be one of {list(options)}, '
                         f'got {value!r}.')


class RoadmapBlock(nn.Module):
    """A residual block of an intermediate roadmap step (Figs. 4.3 and 4.4).

    Three convs (a 1x1, a kxk spatial conv and a 1x1, in the order of
    ``layout``), each followed by a norm unless ``single_norm`` (then only the
    spatial conv is), with activations after the first two convs and after the
    residual sum unless ``single_act`` (then only after the second conv).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        stride: stride of the spatial conv (and of the shortcut projection).
        layout: 'bottleneck' (1x1 reduce, kxk, 1x1 expand by 4; Fig. 4.3a),
            'inverted' (1x1 expand by 4, kxk, 1x1 reduce; Fig. 4.3b) or
            'inverted_dw_first' (kxk, 1x1 expand by 4, 1x1 reduce; Fig. 4.3c).
        kernel_size: spatial kernel size.
        depthwise: the spatial conv is depthwise (groups = channels).
        act: 'ReLU' or 'GELU'.
        norm: 'BN' or 'LN'.
        single_act: one activation per block ("fewer activations").
        single_norm: one norm per block ("fewer norms").
        drop_path: stochastic depth rate.
        layer_scale_init_value: init of the per-channel residual scale; 0 disables it.
        with_cp: gradient checkpointing.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, layout: str,
                 kernel_size: int, depthwise: bool, act: str, norm: str, single_act: bool,
                 single_norm: bool, drop_path: float = 0., layer_scale_init_value: float = 0.,
                 with_cp: bool = False) -> None:
        super().__init__()
        self.with_cp = with_cp
        if layout == 'bottleneck':
            mid = out_channels // 4
            specs = [(in_channels, mid, 1, 1), (mid, mid, kernel_size, stride),
                     (mid, out_channels, 1, 1)]
        elif layout == 'inverted':
            hidden = 4 * out_channels
            specs = [(in_channels, hidden, 1, 1), (hidden, hidden, kernel_size, stride),
                     (hidden, out_channels, 1, 1)]
        else:
            hidden = 4 * out_channels
            specs = [(in_channels, in_channels, kernel_size, stride), (in_channels, hidden, 1, 1),
                     (hidden, out_channels, 1, 1)]
        layers = []
        for index, (cin, cout, k, s) in enumerate(specs):
            spatial = index == (0 if layout == 'inverted_dw_first' else 1)
            with_norm = spatial or not single_norm
            groups = cin if spatial and depthwise else 1
            layers.append(nn.Conv2d(cin, cout, k, stride=s, padding=k // 2, groups=groups,
                                    bias=not with_norm))
            if with_norm:
                layers.append(NORMS[norm](cout))
            if index == 1 or (index == 0 and not single_act):
                layers.append(ACTS[act]())
        self.branch = nn.Sequential(*layers)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                NORMS[norm](out_channels))
        self.gamma = (nn.Parameter(torch.full((out_channels, 1, 1), float(layer_scale_init_value)))
                      if layer_scale_init_value > 0 else None)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.out_act = nn.Identity() if single_act else ACTS[act]()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        if self.gamma is not None:
            out = out * self.gamma
        return self.out_act(self.shortcut(x) + self.drop_path(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)


@MODELS.register_module()
class ModernizedResNet(_ConvNeXtBase):
    """ResNet modernized step by step into ConvNeXt (Sec. 4.2, Tables 4.10, 4.11).

    The defaults are ResNet-50 (torchvision layout, stride in the 3x3 conv).
    ConvNeXt-T is ``depths=(3, 3, 9, 3), width=96, stem='patchify',
    layout='inverted_dw_first', depthwise=True, kernel_size=7, act='GELU',
    single_act=True, single_norm=True, norm='LN', separate_downsample=True``;
    ConvNeXt-B the same with ``depths=(3, 3, 27, 3), width=128``.

    Args:
        depths: blocks per stage ("stage ratio"). Defaults to (3, 4, 6, 3).
        width: channels of the stem and of stage 1 (inner width for
            bottleneck blocks). Defaults to 64.
        stem: 'resnet' (7x7/2 conv, norm, act, 3x3/2 max pool) or 'patchify'
            (4x4/4 conv, norm). Defaults to 'resnet'.
        layout: block layout, see :class:`RoadmapBlock`. Defaults to 'bottleneck'.
        depthwise: depthwise spatial conv ("ResNeXt-ify"). Defaults to False.
        kernel_size: spatial kernel size. Defaults to 3.
        act: 'ReLU' or 'GELU'. Defaults to 'ReLU'.
        single_act: one activation per block. Defaults to False.
        single_norm: one norm per block. Defaults to False.
        norm: 'BN' or 'LN'. Defaults to 'BN'.
        separate_downsample: LN + 2x2/2 conv between stages, LN after the stem
            and on each output, instead of strided first blocks. Defaults to False.
        in_channels: image channels. Defaults to 3.
        out_indices: stages to output. Defaults to (0, 1, 2, 3).
        drop_path_rate: stochastic depth, linear over blocks. Defaults to 0.
        layer_scale_init_value: layer scale init; 0 disables it. Defaults to 0.
        gap_before_final_norm: pool each output (classification). Defaults to False.
        frozen_stages: stages (with their downsampling) frozen. Defaults to 0.
        norm_eval: keep BN layers in eval mode while training. Defaults to False.
        with_cp: gradient checkpointing. Defaults to False.
        init_cfg: init config; ``Pretrained`` loads ConvNeXt checkpoint layouts.
    """

    model_name = 'ModernizedResNet'

    def __init__(self, depths: Sequence[int] = (3, 4, 6, 3), width: int = 64,
                 stem: str = 'resnet', layout: str = 'bottleneck', depthwise: bool = False,
                 kernel_size: int = 3, act: str = 'ReLU', single_act: bool = False,
                 single_norm: bool = False, norm: str = 'BN', separate_downsample: bool = False,
                 in_channels: int = 3, out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 drop_path_rate: float = 0., layer_scale_init_value: float = 0.,
                 gap_before_final_norm: bool = False, frozen_stages: int = 0,
                 norm_eval: bool = False, with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg if init_cfg is not None else DEFAULT_INIT_CFG)
        _choice('stem', stem, STEMS)
        _choice('layout', layout, LAYOUTS)
        _choice('act', act, ACTS)
        _choice('norm', norm, NORMS)
        if len(depths) != 4 or min(depths) < 1:
            raise ValueError(f'ModernizedResNet depths must be 4 positive ints, got {depths}.')
        if kernel_size % 2 != 1:
            raise ValueError(f'ModernizedResNet kernel_size must be odd, got {kernel_size}.')
        if not 0 <= frozen_stages <= 4:
            raise ValueError(f'ModernizedResNet frozen_stages must be in 0..4, got '
                             f'{frozen_stages}.')
        self.depths = list(depths)
        self.num_stages = 4
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        expansion = 4 if layout == 'bottleneck' else 1
        self.channels = [expansion * width * 2**i for i in range(4)]

        if stem == 'resnet':
            stem_layers = [nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False),
                           NORMS[norm](width), ACTS[act](), nn.MaxPool2d(3, stride=2, padding=1)]
        else:
            stem_layers = [nn.Conv2d(in_channels, width, 4, stride=4), NORMS[norm](width)]
        self.downsample_layers = nn.ModuleList([nn.Sequential(*stem_layers)])
        if separate_downsample:
            for i in range(1, 4):
                self.downsample_layers.append(nn.Sequential(
                    LayerNorm2d(self.channels[i - 1]),
                    nn.Conv2d(self.channels[i - 1], self.channels[i], 2, stride=2)))

        convnext_block = (layout == 'inverted_dw_first' and depthwise and act == 'GELU'
                          and single_act and single_norm and norm == 'LN')
        rates = drop_path_rates(drop_path_rate, sum(self.depths))
        self.stages = nn.ModuleList()
        for i, depth in enumerate(self.depths):
            blocks = []
            for j in range(depth):
                first = j == 0 and not separate_downsample
                cin = (width if i == 0 else self.channels[i - 1]) if first else self.channels[i]
                stride = 2 if first and i > 0 else 1
                rate = rates[sum(self.depths[:i]) + j]
                if convnext_block and cin == self.channels[i] and stride == 1:
                    blocks.append(ConvNeXtBlock(self.channels[i], kernel_size, drop_path=rate,
                                                layer_scale_init_value=layer_scale_init_value,
                                                with_cp=with_cp))
                else:
                    blocks.append(RoadmapBlock(cin, self.channels[i], stride, layout,
                                               kernel_size, depthwise, act, norm, single_act,
                                               single_norm, rate, layer_scale_init_value,
                                               with_cp))
            self.stages.append(nn.Sequential(*blocks))

        self.out_indices = normalize_out_indices(out_indices, 4, self.model_name)
        self.out_channels = tuple(self.channels[i] for i in self.out_indices)
        self.gap_before_final_norm = gap_before_final_norm
        for i in self.out_indices:  # output norms come with the separate downsampling layers
            self.add_module(f'norm{i}',
                            LayerNorm2d(self.channels[i]) if separate_downsample else nn.Identity())
        self._freeze_stages()

    def convert_state_dict(self, state_dict):
        return convert_convnext_state_dict(state_dict, final_norm=f'norm{self.num_stages - 1}')

    # Same module names as ConvNeXt (the stem is downsample_layers.0), so the same ids.
    layer_decay_num_layers = ConvNeXt.layer_decay_num_layers
    get_layer_depth = ConvNeXt.get_layer_depth
    get_stage_depth = ConvNeXt.get_stage_depth

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        memory_format = input_memory_format(x)
        outs = []
        for i in range(self.num_stages):
            if i < len(self.downsample_layers):
                x = self.downsample_layers[i](x)
            x = self.stages[i](x)
            if i in self.out_indices:
                outs.append(self._output(i, x, memory_format))
        return tuple(outs)

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages):
            modules = [self.stages[i]]
            if i < len(self.downsample_layers):
                modules.append(self.downsample_layers[i])
            freeze(modules)

    def train(self, mode: bool = True) -> 'ModernizedResNet':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self
