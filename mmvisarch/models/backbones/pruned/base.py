"""Shared machinery of the width-spec backbones (design.md, convention 7).

A width-spec backbone is an unpruned architecture (``arch``) plus a spec
(:mod:`mmvisarch.pruning.spec`) that sets per-layer widths and removed blocks.
Subclasses list their prunable layers (:meth:`full_widths`), removable blocks
and the stage modules; this base validates the spec, freezes stages, keeps BN
in eval mode when asked and selects the outputs.
"""
import json
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.model import BaseModule
from torch import nn

from mmvisarch.pruning.spec import (SpecLike, load_spec, make_spec, resolve_widths,
                                    validate_spec)
from ...utils import (check_input_size, freeze, normalize_out_indices, resolve_arch,
                     set_batchnorm_eval)

DEFAULT_INIT_CFG = [
    dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'),
    dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1., bias=0.),
]


def _arch_key(arch: Union[str, dict]) -> str:
    """Compare arch names case-insensitively and dicts by content (tuples == lists)."""
    return arch.lower() if isinstance(arch, str) else json.dumps(arch, sort_keys=True, default=list)


class WidthSpecBackbone(BaseModule):
    """Base of :class:`PrunedResNet`, :class:`PrunedVGG` and :class:`PrunedDenseNet`.

    Subclasses set ``arch_zoo``, ``required_keys`` and ``model_name`` and
    implement :meth:`full_widths`, :meth:`block_names`, :meth:`build` (which
    creates the layers and returns the stage modules and their output
    channels), :meth:`channel_groups` and :meth:`stage_of`.

    Args:
        arch: unpruned architecture (zoo name or dict). Defaults to the spec's.
        spec: width spec: dict, JSON/YAML file or preset name. Defaults to None.
        out_indices: stages whose outputs are returned. Defaults to -1 (last).
        frozen_stages: -1 freezes nothing, 0 the stem, ``i`` the stem and the
            first ``i`` stages. Defaults to -1.
        norm_eval: keep BN layers in eval mode while training. Defaults to False.
        norm_cfg: norm layer config. Defaults to ``dict(type='BN')``.
        init_cfg: init config. Defaults to Kaiming (fan_out) convs, BN = 1.
    """
    arch_zoo: Dict[str, dict] = {}
    required_keys: Sequence[str] = ()
    model_name = 'WidthSpecBackbone'

    def __init__(self, arch: Union[str, dict, None] = None, spec: SpecLike = None,
                 out_indices: Union[int, Sequence[int]] = -1, frozen_stages: int = -1,
                 norm_eval: bool = False, norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg if init_cfg is not None else DEFAULT_INIT_CFG)
        self.spec = load_spec(spec)
        spec_arch = (self.spec or {}).get('arch')
        if arch is None and spec_arch is None:
            raise ValueError(f'{self.model_name} needs `arch` (one of {sorted(self.arch_zoo)}) '
                             f'or a spec naming its "arch".')
        if arch is not None and spec_arch is not None and _arch_key(arch) != _arch_key(spec_arch):
            raise ValueError(f'{self.model_name} arch {arch!r} does not match the spec, which '
                             f'prunes {spec_arch!r}.')
        # a name, or the arch dict itself, so that a spec written from this model is self-contained
        self.arch_name = arch if arch is not None else spec_arch
        self.arch_settings = resolve_arch(arch if arch is not None else spec_arch,
                                          self.arch_zoo, self.required_keys, self.model_name)
        self.norm_cfg = dict(norm_cfg) if norm_cfg is not None else dict(type='BN')
        if self.spec is not None:
            validate_spec(self.spec, self.full_widths(), self.block_names(), self.model_name)
        self.widths = resolve_widths(self.spec, self.full_widths())
        self.removed_blocks = tuple((self.spec or {}).get('removed_blocks', ()))
        stages, stage_channels = self.build()
        self.stage_names: List[str] = stages
        self.num_stages = len(stages)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, self.model_name)
        self.out_channels = tuple(stage_channels[i] for i in self.out_indices)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'{self.model_name} frozen_stages={frozen_stages} is out of range: '
                             f'use -1 (nothing), 0 (stem) .. {self.num_stages} (all stages).')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self._freeze_stages()

    # -- to implement -------------------------------------------------------
    def full_widths(self) -> Dict[str, int]:
        """Prunable layer name -> unpruned output channels (spec keys)."""
        raise NotImplementedError

    def block_names(self) -> List[str]:
        """Names of the residual blocks a spec may remove."""
        return []

    def build(self):
        """Create the layers; return (stage module names, stage output channels)."""
        raise NotImplementedError

    def channel_groups(self) -> list:
        """The :class:`~mmvisarch.pruning.groups.ChannelGroup` of each prunable layer."""
        raise NotImplementedError

    def stage_of(self, name: str) -> int:
        """Stage index of a prunable layer or block name."""
        raise NotImplementedError

    # -- shared behaviour -----------------------------------------------------
    def stem_modules(self) -> List[nn.Module]:
        """Modules frozen by ``frozen_stages >= 0`` besides the stages."""
        return []

    def current_spec(self) -> dict:
        """The spec of this model as built (only the widths that differ)."""
        return make_spec(self.spec_arch(), self.widths, self.full_widths(), self.removed_blocks)

    def spec_arch(self) -> Union[str, dict]:
        """The ``arch`` a spec of this model records: its name or its settings dict."""
        return self.arch_name if isinstance(self.arch_name, str) else dict(self.arch_settings)

    def param_stage(self, param_name: str) -> Optional[int]:
        """Stage of a parameter of this backbone; None for the stem."""
        module = param_name.rsplit('.', 1)[0]
        try:
            return self.stage_of(module)
        except (ValueError, StopIteration, IndexError):
            return None

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id for layer-wise lr decay: stem 0, stage ``i`` -> ``i + 1``, others last.

        Returns:
            ``(layer_id, num_layers)`` with ``num_layers = num_stages + 2``.
        """
        num_layers = self.num_stages + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        stage = self.param_stage(param_name[len(prefix):])
        return (0 if stage is None else stage + 1), num_layers

    def _freeze_stages(self) -> None:
        modules = list(self.stem_modules()) if self.frozen_stages >= 0 else []
        modules += [getattr(self, name) for name in self.stage_names[:max(self.frozen_stages, 0)]]
        freeze(modules)

    def train(self, mode: bool = True) -> 'WidthSpecBackbone':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self

    def forward(self, x):
        check_input_size(self, x, self.model_name)
        x = self.forward_stem(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(self.forward_output(x, i))
        return tuple(outs)

    def forward_stem(self, x):
        return x

    def forward_output(self, x, stage: int):
        return x
