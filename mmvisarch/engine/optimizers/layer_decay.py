"""Layer-wise / stage-wise learning-rate decay (ConvNeXt, dissertation Sec. 4.5.2).

The detection and segmentation fine-tuning of ConvNeXt scales the learning
rate of each backbone layer by ``decay_rate ** (num_layers + 1 - layer_id)``
(reference: facebookresearch/ConvNeXt ``LearningRateDecayOptimizerConstructor``,
mmcv 1.x). Our backbones speak the hosts' protocol,
``get_layer_depth(param_name, prefix='') -> (layer_id, max_id)`` (mmpretrain's
``BaseBackbone`` convention, ``max_id - 2`` being the deepest layer), so the
hosts' own constructors work on them: mmpretrain's
``LearningRateDecayOptimWrapperConstructor`` on every backbone that defines
it, and mmdet's / mmseg's ``LearningRateDecayOptimizerConstructor`` on
``ConvNeXt`` (their rule matches the class name and the official parameter
names). :class:`LayerDecayOptimWrapperConstructor` is a thin extension for what
no host offers:

* the official ``num_layers`` knob on any backbone with the protocol (the
  deepest id becomes ``num_layers``, what lies outside ``num_layers + 1``, as
  the ConvNeXt-T fine-tuning with ``num_layers=12`` needs);
* ``decay_type='stage_wise'`` for any backbone (``get_stage_depth``, same
  shape, where the backbone defines it; else :func:`generic_layer_depths`), and
  layer-wise decay for backbones without ``get_layer_depth`` (same function);
* ``custom_keys`` with ``lr_mult`` and ``decay_mult`` on top of the layer scale.

Parameters outside the backbone get ``num_layers + 1`` (scale 1). 1-D
parameters and biases get no weight decay.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmvisarch.registry import OPTIM_WRAPPER_CONSTRUCTORS

DECAY_TYPES = ('layer_wise', 'stage_wise')
PARAMWISE_KEYS = ('decay_rate', 'decay_type', 'num_layers', 'custom_keys')


def _spread(index: int, count: int, num_layers: int) -> int:
    """Map ``index`` of ``count`` ordered units linearly onto ``0..num_layers``."""
    return 0 if count <= 1 else index * num_layers // (count - 1)


def generic_layer_depths(backbone: nn.Module, num_layers: int,
                         decay_type: str) -> Dict[str, int]:
    """Layer ids for a backbone without ``get_layer_depth`` / ``get_stage_depth``.

    The parameters are taken in registration order (``named_parameters()``),
    which is the forward order for most backbones (ResNet, HRNet, ViT, Swin):

    * ``stage_wise``: the unit of a parameter is the top-level child that owns
      it (``conv1``, ``layer1``, ...);
    * ``layer_wise``: the unit is a block, i.e. the name up to the first
      numeric index (``layer1.0``, ``stages.2.5``, ``blocks.3``), or the
      top-level child when there is no index (``conv1``, ``norm``).

    The ``K`` units, in order of first appearance, are spread linearly over
    ``0..num_layers``: the first gets 0 (the smallest lr), the last
    ``num_layers``. Backbones whose registration order differs from the forward
    order (ConvNeXt registers all downsampling layers before all stages) must
    define ``get_layer_depth`` / ``get_stage_depth`` instead.

    Args:
        backbone: the backbone module.
        num_layers: the largest layer id of the backbone.
        decay_type: 'layer_wise' or 'stage_wise'.

    Returns:
        dict: parameter name (relative to the backbone) -> layer id.
    """
    units: Dict[str, List[str]] = OrderedDict()
    for name, _ in backbone.named_parameters():
        parts = name.split('.')
        if decay_type == 'stage_wise':
            unit = parts[0]
        else:
            numeric = [i for i, part in enumerate(parts[:-1]) if part.isdigit()]
            unit = '.'.join(parts[:numeric[0] + 1]) if numeric else parts[0]
        units.setdefault(unit, []).append(name)
    depths = {}
    for index, names in enumerate(units.values()):
        for name in names:
            depths[name] = _spread(index, len(units), num_layers)
    return depths


def protocol_layer_depths(backbone: nn.Module, method: str, num_layers: int) -> Dict[str, int]:
    """Layer ids from a backbone's ``method(param_name) -> (layer_id, max_id)``.

    ``max_id - 1`` (outside the backbone's layers: output norms) becomes
    ``num_layers + 1``. For ``get_layer_depth``, ``max_id - 2`` (the deepest
    layer) becomes ``num_layers``; stage ids of ``get_stage_depth`` stay as they
    are (the official stage-wise rule). Every other id must not exceed
    ``num_layers``.

    Raises:
        ValueError: ``num_layers`` is smaller than an intermediate id.
    """
    rule = getattr(backbone, method)
    depths, deepest = {}, 0
    for name, _ in backbone.named_parameters():
        layer_id, max_id = rule(name)
        if layer_id >= max_id - 1:
            layer_id = num_layers + 1
        elif layer_id == max_id - 2 and method == 'get_layer_depth':
            layer_id = num_layers
        else:
            deepest = max(deepest, layer_id)
        depths[name] = layer_id
    if deepest > num_layers:
        raise ValueError(f'{type(backbone).__name__}.{method} gives layer ids up to {deepest}, so '
                         f'layer decay needs num_layers >= {deepest}, got num_layers='
                         f'{num_layers}; use the paper\'s 6 (ConvNeXt-T) or 12 (S/B/L/XL).')
    return depths


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Optimizer wrapper constructor with layer-wise learning-rate decay.

    Use in a config as::

        optim_wrapper = dict(
            constructor='mmvisarch.LayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
            paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise',
                               num_layers=6))

    The backbone is ``model.backbone``; a model without that attribute is
    itself the backbone if it defines ``get_layer_depth``. Layer ids come from
    the backbone's ``get_layer_depth`` (``get_stage_depth`` for stage-wise
    decay) through :func:`protocol_layer_depths`, or from
    :func:`generic_layer_depths` where it has none. A parameter with
    layer id ``i`` gets ``lr = base_lr * decay_rate ** (num_layers + 1 - i)``
    and ``weight_decay = base_wd``, or 0 if it is 1-D or a bias.

    Args:
        optim_wrapper_cfg: as :class:`DefaultOptimWrapperConstructor`; the
            optimizer must set ``lr`` and ``weight_decay``.
        paramwise_cfg: ``decay_rate`` (float in (0, 1]), ``decay_type``
            ('layer_wise' or 'stage_wise'; defaults to 'layer_wise'),
            ``num_layers`` (the largest backbone layer id: 6 for ConvNeXt-T,
            12 for S/B/L/XL in the paper's configs) and optional
            ``custom_keys`` (``{substring: dict(lr_mult=, decay_mult=)}``; the
            longest matching key wins; other entries are copied into the
            parameter group).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        cfg = self.paramwise_cfg
        unknown = sorted(set(cfg) - set(PARAMWISE_KEYS))
        if unknown:
            raise ValueError(f'LayerDecayOptimWrapperConstructor does not support paramwise_cfg '
                             f'keys {unknown}; supported keys are {list(PARAMWISE_KEYS)}.')
        decay_rate = cfg.get('decay_rate')
        if not isinstance(decay_rate, (int, float)) or not 0 < decay_rate <= 1:
            raise ValueError(f'paramwise_cfg.decay_rate must be a number in (0, 1], '
                             f'got {decay_rate!r}.')
        decay_type = cfg.get('decay_type', 'layer_wise')
        if decay_type not in DECAY_TYPES:
            raise ValueError(f'paramwise_cfg.decay_type must be one of {DECAY_TYPES}, '
                             f'got {decay_type!r}.')
        num_layers = cfg.get('num_layers')
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f'paramwise_cfg.num_layers must be a positive int (6 for '
                             f'ConvNeXt-T, 12 for S/B/L/XL), got {num_layers!r}.')
        if self.base_lr is None or self.base_wd is None:
            raise ValueError('LayerDecayOptimWrapperConstructor needs optimizer.lr and '
                             'optimizer.weight_decay to be set in the config.')
        self.decay_rate = float(decay_rate)
        self.decay_type = decay_type
        self.num_layers = num_layers

    def layer_scale(self, layer_id: int) -> float:
        """The lr scale of layer ``layer_id``: ``decay_rate ** (num_layers + 1 - layer_id)``."""
        return self.decay_rate ** (self.num_layers + 1 - layer_id)

    def layer_ids(self, model: nn.Module) -> Dict[str, int]:
        """Layer id of every parameter of ``model`` (full names)."""
        method = 'get_layer_depth' if self.decay_type == 'layer_wise' else 'get_stage_depth'
        backbone, prefix = getattr(model, 'backbone', None), 'backbone.'
        if not isinstance(backbone, nn.Module):
            if not hasattr(model, 'get_layer_depth'):
                raise ValueError(
                    f'LayerDecayOptimWrapperConstructor needs a model with a `backbone` '
                    f'attribute, or a backbone defining get_layer_depth(param_name, prefix); '
                    f'got {type(model).__name__}.')
            backbone, prefix = model, ''
        if hasattr(backbone, method):
            depths = protocol_layer_depths(backbone, method, self.num_layers)
        else:
            depths = generic_layer_depths(backbone, self.num_layers, self.decay_type)
        ids = {name: self.num_layers + 1 for name, _ in model.named_parameters()}
        ids.update({prefix + name: depth for name, depth in depths.items()})
        return ids

    def _custom_key(self, name: str) -> Optional[str]:
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        for key in sorted(sorted(custom_keys), key=len, reverse=True):
            if key in name:
                return key
        return None

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        """Append one parameter group per (layer id, decay or not, custom key)."""
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        ids = self.layer_ids(module)
        groups: Dict[Tuple[int, bool, Optional[str]], dict] = OrderedDict()
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            no_decay = param.ndim == 1 or name.endswith('.bias')
            key = self._custom_key(name)
            layer_id = ids[name]
            group_key = (layer_id, no_decay, key)
            if group_key not in groups:
                options = dict(custom_keys[key]) if key is not None else {}
                lr_mult = options.pop('lr_mult', 1.)
                decay_mult = options.pop('decay_mult', 1.)
                scale = self.layer_scale(layer_id)
                groups[group_key] = dict(
                    params=[], param_names=[], layer_id=layer_id, lr_scale=scale * lr_mult,
                    lr=self.base_lr * scale * lr_mult,
                    weight_decay=0. if no_decay else self.base_wd * decay_mult, **options)
            groups[group_key]['params'].append(param)
            groups[group_key]['param_names'].append(name)
        for (layer_id, no_decay, key), group in groups.items():
            print_log(f'layer decay: layer_id={layer_id} '
                      f'{"no_decay" if no_decay else "decay"} custom_key={key} '
                      f'lr_scale={group["lr_scale"]:.4g} weight_decay={group["weight_decay"]} '
                      f'params={len(group["params"])}', logger='current')
            del group['param_names']
        params.extend(groups.values())
