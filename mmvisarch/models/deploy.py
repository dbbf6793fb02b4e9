"""Inference-time re-parameterisation: fold what training needs and inference does not.

:func:`switch_to_deploy` walks any model (a backbone, a host classifier/detector
/segmentor) and, in eval statistics, folds

* every BatchNorm that directly follows a convolution or linear layer into it
  (inside ``nn.Sequential``, mmcv ``ConvModule``, and the named ``conv{i}`` /
  ``bn{i}`` pairs of the pruned ResNets; the standard conv-BN fusion of
  inference runtimes),
* ConvNeXt's per-pixel LayerNorm affine into ``pwconv1`` and the layer scale
  ``gamma`` into ``pwconv2`` (Liu et al., CVPR 2022, Fig. 4; reference
  facebookresearch/ConvNeXt ``models/convnext.py``), and the downsampling
  LayerNorm's affine into the following 2x2 stride-2 conv,
* SLaK's decomposed large kernels into one ``M x M`` kernel (Liu et al., ICLR
  2023, Sec. 4; VITA-Group/SLaK ``ReparamLargeKernelConv``) through
  :meth:`~mmvisarch.models.layers.LargeKernelConv.switch_to_deploy`,
* the modernized ResNet's layer scale into the last layer of its branch.

The model keeps its classes and parameter names where nothing was folded, so
``out_channels``, ``init_weights`` and host code keep working; folded norms
become ``nn.Identity`` (indices of ``nn.Sequential`` stay valid) or lose their
affine parameters. The result is for inference only (BatchNorm statistics are
frozen into the weights). Other model families add a rule with
:func:`register_deploy_rule`; any module with its own ``switch_to_deploy()``
method has it called.
"""
from typing import Callable, Dict, List, Optional, Tuple, Type

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = ['switch_to_deploy', 'register_deploy_rule', 'fuse_conv_bn_', 'count_foldable_norms']

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
_RULES: Dict[Type[nn.Module], Callable[[nn.Module], int]] = {}


def register_deploy_rule(cls: Type[nn.Module]):
    """Decorator: ``fn(module) -> number of folds`` runs on every instance of ``cls``.

    Rules run children first, after the generic ``nn.Sequential`` / ``ConvModule``
    conv-BN folding of the module's children.
    """
    def wrap(fn: Callable[[nn.Module], int]) -> Callable[[nn.Module], int]:
        _RULES[cls] = fn
        return fn
    return wrap


def _set_param(module: nn.Module, name: str, value: torch.Tensor) -> None:
    setattr(module, name, nn.Parameter(value.detach().clone(), requires_grad=False))


def _bias_of(layer: nn.Module) -> torch.Tensor:
    w = layer.weight
    return layer.bias if layer.bias is not None else w.new_zeros(w.shape[0])


@torch.no_grad()
def fuse_conv_bn_(conv: nn.Module, bn: _BatchNorm) -> None:
    """Fold ``bn`` (running statistics) into ``conv`` in place: ``bn(conv(x)) == conv(x)``."""
    if not bn.track_running_stats or bn.running_var is None:
        raise ValueError(f'cannot fold {bn}: it has no running statistics (built with '
                         f'track_running_stats=False), so its output depends on the batch.')
    scale = (bn.running_var + bn.eps).rsqrt()
    if bn.weight is not None:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale
    if bn.bias is not None:
        shift = shift + bn.bias
    weight = conv.weight * scale.reshape(-1, *([1] * (conv.weight.dim() - 1)))
    bias = _bias_of(conv) * scale + shift
    _set_param(conv, 'weight', weight)
    _set_param(conv, 'bias', bias)


@torch.no_grad()
def _scale_output_(layer: nn.Module, scale: torch.Tensor) -> None:
    """``layer(x) * scale`` (per output channel) as one layer."""
    scale = scale.reshape(-1)
    _set_param(layer, 'weight', layer.weight * scale.reshape(-1, *([1] * (layer.weight.dim() - 1))))
    _set_param(layer, 'bias', _bias_of(layer) * scale)


@torch.no_grad()
def _fold_norm_affine_into_next_(norm: nn.LayerNorm, layer: nn.Module) -> bool:
    """``layer(norm(x))`` with the norm's affine moved into ``layer`` (channel-wise norm).

    Only exact where ``layer`` sees no padding: a linear layer, or a conv with
    zero padding (padded zeros would otherwise meet the folded shift).
    """
    from .layers import LayerNorm2d
    if norm.weight is None and norm.bias is None:
        return False
    if isinstance(norm, LayerNorm2d):  # normalises the channels of NCHW: a conv may follow
        if not isinstance(layer, nn.Conv2d) or layer.groups != 1 or \
                isinstance(layer.padding, str) or any(p != 0 for p in layer.padding):
            return False
    elif not isinstance(layer, nn.Linear):  # a last-axis LayerNorm: only a linear layer
        return False
    w = layer.weight  # (out, in) or (out, in, kh, kw)
    gain = norm.weight if norm.weight is not None else w.new_ones(w.shape[1])
    shift = norm.bias if norm.bias is not None else w.new_zeros(w.shape[1])
    in_shape = (1, -1) + (1,) * (w.dim() - 2)
    bias = _bias_of(layer) + (w.sum(tuple(range(2, w.dim()))) if w.dim() > 2 else w) @ shift
    _set_param(layer, 'weight', w * gain.reshape(in_shape))
    _set_param(layer, 'bias', bias)
    norm.weight, norm.bias = None, None  # F.layer_norm without affine
    return True


def _fold_sequential(seq: nn.Sequential) -> int:
    folds = 0
    names = list(seq._modules)
    for first, second in zip(names, names[1:]):
        a, b = seq._modules[first], seq._modules[second]
        if isinstance(a, CONVS) and isinstance(b, _BatchNorm):
            fuse_conv_bn_(a, b)
            seq._modules[second] = nn.Identity()
            folds += 1
        elif isinstance(a, nn.LayerNorm) and len(a.normalized_shape) == 1 and \
                _fold_norm_affine_into_next_(a, b):
            folds += 1
    return folds


def _fold_conv_module(module: nn.Module) -> int:
    """mmcv ``ConvModule`` with ``order`` conv before norm and a BatchNorm."""
    order = getattr(module, 'order', None)
    norm_name = getattr(module, 'norm_name', None)
    if not norm_name or order is None or not getattr(module, 'with_norm', False):
        return 0
    norm = getattr(module, norm_name)
    if not isinstance(norm, _BatchNorm) or list(order).index('conv') > list(order).index('norm'):
        return 0
    fuse_conv_bn_(module.conv, norm)
    setattr(module, norm_name, nn.Identity())
    return 1


def fold_named_pairs(module: nn.Module, pairs: List[Tuple[str, str]]) -> int:
    """Fold each ``(conv_name, bn_name)`` pair of ``module``'s children (BN -> Identity)."""
    folds = 0
    for conv_name, bn_name in pairs:
        conv, bn = getattr(module, conv_name, None), getattr(module, bn_name, None)
        if isinstance(conv, CONVS) and isinstance(bn, _BatchNorm):
            fuse_conv_bn_(conv, bn)
            setattr(module, bn_name, nn.Identity())
            folds += 1
    return folds


def _apply_rules(module: nn.Module) -> int:
    folds = 0
    for child in module.children():
        folds += _apply_rules(child)
    if isinstance(module, nn.Sequential):
        folds += _fold_sequential(module)
    folds += _fold_conv_module(module)
    for cls in type(module).__mro__:
        if cls in _RULES:
            folds += _RULES[cls](module)
            break
    return folds


def _call_own_reparam(module: nn.Module, merge_large_kernels: bool) -> None:
    from .layers.large_kernel import LargeKernelConv
    for child in module.children():
        _call_own_reparam(child, merge_large_kernels)
    if isinstance(module, LargeKernelConv):
        module.switch_to_deploy(merge_large_kernels)
    elif callable(getattr(module, 'switch_to_deploy', None)) and \
            not getattr(module, '_reparam_by_children', False):
        module.switch_to_deploy()


def count_foldable_norms(model: nn.Module) -> int:
    """BatchNorms still present plus LayerNorms that still carry an affine (diagnostics)."""
    return sum(1 for m in model.modules()
               if isinstance(m, _BatchNorm) or (isinstance(m, nn.LayerNorm) and
                                                m.weight is not None))


@torch.no_grad()
def switch_to_deploy(model: nn.Module, merge_large_kernels: bool = True) -> nn.Module:
    """Re-parameterise ``model`` in place for inference and return it (in eval mode).

    Args:
        model: any module; its BatchNorm running statistics are frozen into the weights.
        merge_large_kernels: merge SLaK's branches into one ``M x M`` kernel
            (True) or only fold each branch's norm, keeping the decomposed
            kernels (False). Defaults to True.

    Returns:
        nn.Module: ``model``, marked ``model.deployed = True``.
    """
    model.eval()
    _register_builtin_rules()
    _call_own_reparam(model, merge_large_kernels)
    folds = _apply_rules(model)
    for m in model.modules():
        for p in m.parameters(recurse=False):
            p.requires_grad_(False)
    model.deployed = True
    model.deploy_folds = folds
    return model


_BUILTINS_DONE = False


def _register_builtin_rules() -> None:
    """Rules for this package's blocks (imported lazily: models import this module's users)."""
    global _BUILTINS_DONE
    if _BUILTINS_DONE:
        return
    from .backbones.convnext import ConvNeXtBlock
    from .backbones.pruned.resnet import PrunedResNet, ResidualBlock
    from .backbones.roadmap import RoadmapBlock
    from .backbones.slak import SLaK

    # SLaK.switch_to_deploy only loops over its LargeKernelConvs, done above
    SLaK._reparam_by_children = True

    @register_deploy_rule(ConvNeXtBlock)
    def _convnext_block(block: nn.Module) -> int:
        folds = 0
        if block.norm.weight is not None and _fold_norm_affine_into_next_(block.norm,
                                                                          block.pwconv1):
            folds += 1
        if block.gamma is not None:
            _scale_output_(block.pwconv2, block.gamma)
            block.gamma = None
            folds += 1
        return folds

    @register_deploy_rule(ResidualBlock)
    def _residual_block(block: nn.Module) -> int:
        if not block.with_branch:
            return 0
        n = block.num_convs
        if block.preact:  # conv{i} -> bn{i+1} -> ReLU -> conv{i+1}
            return fold_named_pairs(block, [(f'conv{i}', f'bn{i + 1}') for i in range(1, n)])
        return fold_named_pairs(block, [(f'conv{i}', f'bn{i}') for i in range(1, n + 1)])

    @register_deploy_rule(PrunedResNet)
    def _pruned_resnet(backbone: nn.Module) -> int:
        return 0 if backbone._preact else fold_named_pairs(backbone, [('conv1', 'bn1')])

    @register_deploy_rule(RoadmapBlock)
    def _roadmap_block(block: nn.Module) -> int:
        if block.gamma is None:
            return 0
        last: Optional[nn.Module] = None
        for layer in block.branch:
            if not isinstance(layer, nn.Identity):
                last = layer
        if isinstance(last, CONVS):
            _scale_output_(last, block.gamma)
        elif isinstance(last, nn.LayerNorm) and last.weight is not None:
            gamma = block.gamma.reshape(-1)
            _set_param(last, 'weight', last.weight * gamma)
            _set_param(last, 'bias', last.bias * gamma)
        else:
            return 0
        block.gamma = None
        return 1

    _BUILTINS_DONE = True
