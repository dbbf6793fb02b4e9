"""FBNetV3 A-G: the seed networks of "Pruning Compact ConvNets for Efficient
Inference" (Ghosh et al., ICLR 2023, Sec. 3 and Table 3), first published in
"FBNetV3: Joint Architecture-Recipe Search using Predictor Pretraining".

Reference implementation: https://github.com/facebookresearch/mobile-vision
(``mobile_cv/arch/fbnet_v2/fbnet_modeldef_cls_fbnetv3.py`` for the definitions,
``irf_block.py`` / ``basic_blocks.py`` for the block semantics). The architecture
definitions below are those of the reference written as data; parameter names
follow its checkpoints (``stages.xif{stage}_{block}.{pw,dw,se,pwl}.{conv,bn}``), so
an official backbone state dict loads after stripping ``backbone.``.

Block semantics (reference ``IRFBlock`` / ``IRPoolBlock``):

* IRF: 1x1 expansion conv (only when the expanded width differs from the input),
  kxk depthwise conv with an optional explicit padding, optional squeeze-excitation
  (average pool, 1x1 conv with bias + hard-swish, 1x1 conv with bias, hard-sigmoid),
  1x1 projection without activation, identity shortcut when stride 1 and the
  widths match. Convs have no bias; every conv is followed by BN; activations are
  hard-swish. ``less_se_channels``: the SE width is ``int(mid * 0.25 / expansion)``
  rounded to ``width_divisor``.
* ``ir_pool`` (last stage): 1x1 expansion + BN + hard-swish, global average pool,
  1x1 conv to 1984 channels (no bias, no BN) + hard-swish.
* The stem is a 3x3 stride-2 conv *with* bias, BN, hard-swish.
* Widths are rounded with the reference's ``get_divisible_by`` (``width_divisor`` 8).
"""
import math
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.utils.checkpoint as cp
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from mmvisarch.registry import MODELS
from ..utils import freeze, init_from_pretrained, normalize_out_indices, resolve_arch, set_batchnorm_eval

# One block group: (op, out_channels, stride, repeats, expansion, dw_padding).
# op: 'conv_k3' (stem), 'ir_k{3,5}' (IRF), 'ir_k{3,5}_se' (IRF + SE), 'ir_pool'.
# dw_padding None means kernel_size // 2 (the reference default).
BlockDef = Tuple[str, int, int, int, float, Optional[int]]

_A_BLOCKS: List[List[BlockDef]] = [
    [('conv_k3', 16, 2, 1, 1, None)],
    [('ir_k3', 16, 1, 2, 1, None)],
    [('ir_k5', 24, 2, 1, 4, None), ('ir_k5', 24, 1, 3, 2, None)],
    [('ir_k5_se', 40, 2, 1, 5, None), ('ir_k5_se', 40, 1, 4, 3, None)],
    [('ir_k5', 72, 2, 1, 5, 1), ('ir_k3', 72, 1, 4, 3, None),
     ('ir_k3_se', 120, 1, 1, 5, None), ('ir_k5_se', 120, 1, 5, 3, None)],
    [('ir_k3_se', 184, 2, 1, 6, 0), ('ir_k5_se', 184, 1, 5, 4, None),
     ('ir_k5_se', 224, 1, 1, 6, None)],
    [('ir_pool', 1984, 1, 1, 6, None)],
]

FBNETV3_ARCHS: Dict[str, dict] = {
    'a': dict(input_size=224, blocks=_A_BLOCKS),
    'b': dict(input_size=248, blocks=_A_BLOCKS),
    'c': dict(input_size=248, blocks=[
        [('conv_k3', 16, 2, 1, 1, None)],
        [('ir_k3', 16, 1, 2, 1, None)],
        [('ir_k5', 24, 2, 1, 5, None), ('ir_k3', 24, 1, 4, 3, None)],
        [('ir_k5_se', 48, 2, 1, 5, None), ('ir_k5_se', 48, 1, 4, 2, None)],
        [('ir_k5', 88, 2, 1, 4, 1), ('ir_k3', 88, 1, 4, 3, None),
         ('ir_k3_se', 120, 1, 1, 4, None), ('ir_k5_se', 120, 1, 5, 3, None)],
        [('ir_k5_se', 216, 2, 1, 5, 1), ('ir_k5_se', 216, 1, 5, 5, None),
         ('ir_k5_se', 216, 1, 1, 6, None)],
        [('ir_pool', 1984, 1, 1, 6, None)],
    ]),
    'd': dict(input_size=248, blocks=[
        [('conv_k3', 24, 2, 1, 1, None)],
        [('ir_k3', 16, 1, 2, 1, None)],
        [('ir_k3', 24, 2, 1, 5, None), ('ir_k3', 24, 1, 5, 2, None)],
        [('ir_k5_se', 40, 2, 1, 4, None), ('ir_k3_se', 40, 1, 4, 3, None)],
        [('ir_k3', 72, 2, 1, 5, None), ('ir_k3', 72, 1, 4, 3, None),
         ('ir_k3_se', 128, 1, 1, 5, None), ('ir_k5_se', 128, 1, 6, 3, None)],
        [('ir_k3_se', 208, 2, 1, 6, None), ('ir_k5_se', 208, 1, 5, 5, None),
         ('ir_k5_se', 240, 1, 1, 6, None)],
        [('ir_pool', 1984, 1, 1, 6, None)],
    ]),
    'e': dict(input_size=264, blocks=[
        [('conv_k3', 24, 2, 1, 1, None)],
        [('ir_k3', 16, 1, 3, 1, None)],
        [('ir_k5', 24, 2, 1, 4, None), ('ir_k5', 24, 1, 4, 2, None)],
        [('ir_k5_se', 48, 2, 1, 4, None), ('ir_k5_se', 48, 1, 4, 3, None)],
        [('ir_k5', 80, 2, 1, 5, 1), ('ir_k3', 80, 1, 4, 3, None),
         ('ir_k3_se', 128, 1, 1, 5, None), ('ir_k5_se', 128, 1, 7, 3, None)],
        [('ir_k3_se', 216, 2, 1, 6, None), ('ir_k5_se', 216, 1, 5, 5, None),
         ('ir_k5_se', 240, 1, 1, 6, None)],
        [('ir_pool', 1984, 1, 1, 6, None)],
    ]),
    'f': dict(input_size=272, blocks=[
        [('conv_k3', 24, 2, 1, 1, None)],
        [('ir_k3', 24, 1, 3, 1, None)],
        [('ir_k5', 32, 2, 1, 4, None), ('ir_k5', 32, 1, 4, 2, None)],
        [('ir_k5_se', 56, 2, 1, 4, None), ('ir_k5_se', 56, 1, 4, 3, None)],
        [('ir_k5', 88, 2, 1, 5, None), ('ir_k3', 88, 1, 4, 3, None),
         ('ir_k3_se', 144, 1, 1, 5, None), ('ir_k5_se', 144, 1, 8, 3, None)],
        [('ir_k3_se', 248, 2, 1, 6, 0), ('ir_k5_se', 248, 1, 6, 5, None),
         ('ir_k5_se', 272, 1, 1, 6, None)],
        [('ir_pool', 1984, 1, 1, 6, None)],
    ]),
    'g': dict(input_size=320, blocks=[
        [('conv_k3', 32, 2, 1, 1, None)],
        [('ir_k3', 24, 1, 3, 1, None)],
        [('ir_k5', 40, 2, 1, 4, None), ('ir_k5', 40, 1, 4, 2, None)],
        [('ir_k5_se', 56, 2, 1, 4, None), ('ir_k5_se', 56, 1, 4, 3, None)],
        [('ir_k5', 104, 2, 1, 5, None), ('ir_k3', 104, 1, 4, 3, None),
         ('ir_k3_se', 160, 1, 1, 5, None), ('ir_k5_se', 160, 1, 8, 3, None)],
        [('ir_k3_se', 264, 2, 1, 6, None), ('ir_k5_se', 264, 1, 6, 5, None),
         ('ir_k5_se', 288, 1, 2, 6, None)],
        [('ir_pool', 1984, 1, 1, 6, None)],
    ]),
}

HSWISH = dict(type='HSwish')
HSIGMOID = dict(type='HSigmoid', bias=3.0, divisor=6.0)  # relu6(x + 3) / 6


def _round_half_away(x: float) -> int:
    return math.floor(x + 0.5) if x >= 0 else math.ceil(x - 0.5)


def make_divisible(num: float, divisor: int) -> int:
    """The reference ``get_divisible_by``: nearest multiple of ``divisor`` (at least
    ``divisor``), bumped up once when rounding lost more than 5%."""
    ret = int(num)
    if divisor > 0 and num % divisor != 0:
        ret = int((_round_half_away(num / divisor) or 1) * divisor)
        if ret < 0.95 * num:
            ret += divisor
    return max(ret, divisor)


def _hsigmoid() -> nn.Module:
    # mmcv's HSigmoid warns about its v1.4.4 default change on every build; the
    # arguments are explicit here, so the warning says nothing about this model.
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='In MMCV v1.4.4')
        return build_activation_layer(HSIGMOID)


class ConvBNAct(nn.Module):
    """Conv, optional BN, optional activation under the reference's names
    (``conv``, ``bn``, ``relu``); the bricks come from mmcv."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 stride: int = 1, padding: int = 0, groups: int = 1, bias: bool = False,
                 norm_cfg: Optional[dict] = None, act_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                              groups=groups, bias=bias)
        if norm_cfg is not None:
            self.bn = build_norm_layer(norm_cfg, out_channels)[1]
        if act_cfg is not None:
            self.relu = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if hasattr(self, 'bn'):
            x = self.bn(x)
        if hasattr(self, 'relu'):
            x = self.relu(x)
        return x


class SqueezeExcite(nn.Module):
    """Reference ``SEModule`` with the conv ops and hard-sigmoid (keys ``se.0.conv``,
    ``se.1``). mmpretrain's ``SELayer`` computes the same function but names its
    weights ``conv1.conv`` / ``conv2.conv``, which would break official checkpoints."""

    def __init__(self, channels: int, mid_channels: int, act_cfg: dict = HSWISH) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.se = nn.Sequential(
            ConvBNAct(channels, mid_channels, bias=True, act_cfg=act_cfg),
            nn.Conv2d(mid_channels, channels, 1),
            _hsigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.se(self.avg_pool(x))


class IRFBlock(nn.Module):
    """Inverted residual block of FBNetV3 (reference ``IRFBlock``).

    Args:
        in_channels / out_channels: block widths.
        kernel_size: depthwise kernel size.
        stride: depthwise stride.
        expansion: expansion ratio of the 1x1 conv.
        use_se: add squeeze-excitation after the depthwise conv.
        dw_padding: explicit depthwise padding; None is ``kernel_size // 2``.
        width_divisor: rounding of the widths. Defaults to 8.
        less_se_channels: divide the SE ratio 0.25 by the expansion. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 expansion: float, use_se: bool = False, dw_padding: Optional[int] = None,
                 width_divisor: int = 8, less_se_channels: bool = True,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = HSWISH) -> None:
        super().__init__()
        mid = make_divisible(in_channels * expansion, width_divisor)
        if mid != in_channels:
            self.pw = ConvBNAct(in_channels, mid, norm_cfg=norm_cfg, act_cfg=act_cfg)
        padding = kernel_size // 2 if dw_padding is None else dw_padding
        self.dw = ConvBNAct(mid, mid, kernel_size, stride, padding, groups=mid,
                            norm_cfg=norm_cfg, act_cfg=act_cfg)
        if use_se:
            ratio = 0.25 / expansion if less_se_channels else 0.25
            self.se = SqueezeExcite(mid, make_divisible(int(mid * ratio), width_divisor), act_cfg)
        self.pwl = ConvBNAct(mid, out_channels, norm_cfg=norm_cfg)
        self.use_res = stride == 1 and in_channels == out_channels
        self.mid_channels = mid

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pw(x) if hasattr(self, 'pw') else x
        y = self.dw(y)
        if hasattr(self, 'se'):
            y = self.se(y)
        y = self.pwl(y)
        return x + y if self.use_res else y


class IRPoolBlock(nn.Module):
    """The last FBNetV3 block (reference ``IRPoolBlock`` as built by ``ir_pool_hs``):
    1x1 expansion + BN + hard-swish, global average pool, 1x1 conv + hard-swish."""

    def __init__(self, in_channels: int, out_channels: int, expansion: float,
                 width_divisor: int = 8, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = HSWISH) -> None:
        super().__init__()
        mid = make_divisible(in_channels * expansion, width_divisor)
        self.pw = ConvBNAct(in_channels, mid, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.dw = nn.AdaptiveAvgPool2d(1)
        self.pwl = ConvBNAct(mid, out_channels, act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pwl(self.dw(self.pw(x)))


@MODELS.register_module()
class FBNetV3(BaseModule):
    """FBNetV3 A-G backbone (mobile-vision ``FBNetV3_{A..G}``).

    The 7 stages are those of the reference definition: 0 the stem (stride 2),
    1-5 IRF stages (strides 2, 4, 8, 16, 32), 6 the ``ir_pool`` block giving a
    1984 x 1 x 1 feature. Blocks are one flat ``stages`` sequential named
    ``xif{stage}_{block}`` as in the official checkpoints.

    Args:
        arch: 'a'..'g', or ``dict(blocks=[[BlockDef, ...], ...])``.
        out_indices: stages whose outputs are returned. Defaults to -1 (ir_pool).
            For detection use e.g. ``(2, 3, 4, 5)`` (strides 4-32).
        frozen_stages: stages ``0 .. frozen_stages - 1`` are frozen; -1 none.
        norm_eval: keep BN layers in eval mode during training.
        with_cp: gradient checkpointing per block.
        width_divisor: channel rounding. Defaults to 8.
        less_se_channels: the reference ``IRF_CFG`` setting. Defaults to True.
        zero_last_bn_gamma: zero-init the projection BN of residual blocks (the
            reference ``IRF_CFG``). Defaults to True.
    """

    arch_zoo = FBNETV3_ARCHS
    model_name = 'FBNetV3'

    def __init__(self, arch: Union[str, dict] = 'a', in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1, frozen_stages: int = -1,
                 norm_eval: bool = False, with_cp: bool = False, width_divisor: int = 8,
                 less_se_channels: bool = True, zero_last_bn_gamma: bool = True,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = HSWISH,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, ['blocks'], self.model_name)
        blocks = settings['blocks']
        self.num_stages = len(blocks)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, self.model_name)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'{self.model_name} frozen_stages must be in [-1, {self.num_stages}], '
                             f'got {frozen_stages}.')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_last_bn_gamma = zero_last_bn_gamma

        layers: 'OrderedDict[str, nn.Module]' = OrderedDict()
        self.stage_ends: List[int] = []
        self.stage_channels: List[int] = []
        channels = in_channels
        for s, group in enumerate(blocks):
            b = 0
            for op, out_c, stride, repeats, expansion, dw_padding in group:
                out_c = make_divisible(out_c, width_divisor)
                for r in range(repeats):
                    st = stride if r == 0 else 1
                    pad = dw_padding if r == 0 else None
                    if op == 'conv_k3':
                        block = ConvBNAct(channels, out_c, 3, st, 1, bias=True,
                                          norm_cfg=norm_cfg, act_cfg=act_cfg)
                    elif op == 'ir_pool':
                        block = IRPoolBlock(channels, out_c, expansion, width_divisor,
                                            norm_cfg, act_cfg)
                    elif op.startswith('ir_k'):
                        kernel = int(op.split('_')[1][1:])
                        block = IRFBlock(channels, out_c, kernel, st, expansion,
                                         op.endswith('_se'), pad, width_divisor,
                                         less_se_channels, norm_cfg, act_cfg)
                    else:
                        raise ValueError(f'Unknown FBNetV3 op {op!r}; valid: conv_k3, '
                                         f'ir_k{{3,5}}, ir_k{{3,5}}_se, ir_pool.')
                    layers[f'xif{s}_{b}'] = block
                    channels = out_c
                    b += 1
            self.stage_ends.append(len(layers) - 1)
            self.stage_channels.append(channels)
        self.stages = nn.Sequential(layers)
        self.out_channels = tuple(self.stage_channels[i] for i in self.out_indices)
        self._freeze_stages()

    def init_weights(self) -> None:
        if self.init_cfg is not None and self.init_cfg.get('type') == 'Pretrained':
            init_from_pretrained(self, self.init_cfg, convert_fbnetv3_state_dict, self.model_name)
            return
        super().init_weights()
        if self.init_cfg is not None:
            return
        # Reference defaults: kaiming-normal (fan_out) convs, zero biases, BN 1 / 0,
        # zero gamma in the projection BN of residual blocks.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if self.zero_last_bn_gamma:
            for m in self.stages:
                if isinstance(m, IRFBlock) and m.use_res:
                    nn.init.zeros_(m.pwl.bn.weight)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        ends = {self.stage_ends[i]: i for i in self.out_indices}
        for idx, block in enumerate(self.stages):
            if self.with_cp and self.training and x.requires_grad:
                x = cp.checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
            if idx in ends:
                outs.append(x)
        return tuple(outs)

    def _stage_of_block(self, block_idx: int) -> int:
        return next(s for s, end in enumerate(self.stage_ends) if block_idx <= end)

    def _freeze_stages(self) -> None:
        if self.frozen_stages <= 0:
            return
        last = self.stage_ends[self.frozen_stages - 1]
        freeze([self.stages[i] for i in range(last + 1)])

    def train(self, mode: bool = True) -> 'FBNetV3':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id for layer-wise lr decay, mmpretrain's protocol
        (``LearningRateDecayOptimWrapperConstructor``): each block is a layer.

        Returns:
            (layer_id, max_layer_id): block ``i`` of ``stages`` -> ``i``;
            parameters outside the backbone (neck, head) -> ``max_layer_id - 1``.
        """
        num_blocks = len(self.stages)
        max_layer_id = num_blocks + 1
        if not param_name.startswith(prefix):
            return max_layer_id - 1, max_layer_id
        name = param_name[len(prefix):]
        if name.startswith('stages.'):
            key = name.split('.')[1]
            names = list(self.stages._modules)
            if key in names:
                return names.index(key), max_layer_id
        return max_layer_id - 1, max_layer_id


def convert_fbnetv3_state_dict(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Backbone weights of an official mobile-vision FBNet checkpoint.

    Official keys are ``backbone.stages.xif*`` (and ``head.conv.*`` for the
    classifier, dropped here); ``module.`` prefixes (DDP) are stripped. Keys
    already in our layout (``stages.*``) pass through.
    """
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.startswith('backbone.'):
            key = key[len('backbone.'):]
        if key.startswith('stages.'):
            out[key] = value
    return out


def official_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The weights of an official mobile-vision checkpoint, as its own loader takes
    them: ``model_ema`` when present and not None, else ``state_dict``; ``module.``
    stripped. A flat tensor dict is returned as is (prefix stripped)."""
    if 'model_ema' in checkpoint and checkpoint['model_ema'] is not None:
        state = checkpoint['model_ema']
    elif 'state_dict' in checkpoint:
        state = checkpoint['state_dict']
    else:
        state = checkpoint
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                       for k, v in state.items())


def convert_fbnetv3_classifier(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """An official FBNet classifier (``backbone.stages.*``, ``head.conv.*``) as an
    mmpretrain ``ImageClassifier`` with ``LinearClsHead`` (``backbone.stages.*``,
    ``head.fc.*``): the 1x1 head conv becomes the linear layer it is.

    Raises:
        KeyError: naming the keys that are neither backbone nor head weights.
    """
    out = OrderedDict()
    unknown = []
    for key, value in state_dict.items():
        if key.startswith('backbone.stages.'):
            out[key] = value
        elif key == 'head.conv.weight':
            out['head.fc.weight'] = value.reshape(value.shape[0], -1)
        elif key == 'head.conv.bias':
            out['head.fc.bias'] = value
        else:
            unknown.append(key)
    if unknown:
        raise KeyError(f'Not an official FBNet classifier layout; unexpected keys: {unknown[:10]}'
                       f'{" ..." if len(unknown) > 10 else ""} (expected backbone.stages.* and '
                       f'head.conv.weight / head.conv.bias).')
    return out
