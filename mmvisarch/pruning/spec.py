"""Width specs: pruned architectures as data (design.md, convention 7).

"Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019; dissertation
ch. 3) treats a pruned network as an architecture: per-layer widths (and, for
Sparse Structure Selection, removed residual blocks) on top of an unpruned
base. A spec is a JSON/YAML file or dict::

    {"arch": "resnet34",                        # the unpruned base architecture
     "widths": {"layer1.1.conv1": 44, ...},     # output channels of prunable convs
     "removed_blocks": ["layer1.0", ...]}       # optional: residual branches removed

Layers missing from ``widths`` keep their unpruned width. The same format serves
every family (ResNet, VGG, DenseNet); the backbone supplies the layer names and
unpruned widths that :func:`validate_spec` checks against. Presets are spec
files in ``configs/pruning/specs/`` named as in the papers (``resnet34-A``).
Reference code: https://github.com/Eric-mingjie/rethinking-network-pruning
(there a pruned model is a positional ``cfg`` list; here widths are keyed by
layer name, so an error can name the layer).
"""
import copy
import os
import os.path as osp
from typing import Dict, Mapping, Optional, Sequence, Union

from mmvisarch.utils.io import load_data_file

SpecLike = Union[str, Mapping, None]
SPEC_KEYS = ('arch', 'widths', 'removed_blocks')

#: Where the preset spec files live: ``mmvisarch/.mim/configs/pruning/specs`` in an
#: installed wheel (``setup.py`` carries the configs as package data), else
#: ``configs/pruning/specs`` of the source checkout.
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_INSTALLED_PRESET_DIR = osp.join(_PACKAGE_DIR, '.mim', 'configs', 'pruning', 'specs')
PRESET_DIR = (_INSTALLED_PRESET_DIR if osp.isdir(_INSTALLED_PRESET_DIR) else
              osp.join(osp.dirname(_PACKAGE_DIR), 'configs', 'pruning', 'specs'))


def list_presets(preset_dir: str = PRESET_DIR) -> list:
    """Names of the preset specs (file names without extension)."""
    if not osp.isdir(preset_dir):
        return []
    return sorted(osp.splitext(name)[0] for name in os.listdir(preset_dir)
                  if name.endswith(('.json', '.yaml', '.yml')))


def load_spec(spec: SpecLike, preset_dir: str = PRESET_DIR) -> Optional[dict]:
    """Return a spec dict from a dict, a JSON/YAML path or a preset name.

    Raises:
        ValueError: for an unknown preset, a missing file or unknown keys.
        TypeError: for anything that is not a str, a mapping or None.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        path = spec
        if not osp.isfile(path):
            candidates = [osp.join(preset_dir, spec + ext) for ext in ('.json', '.yaml', '.yml')]
            path = next((p for p in candidates if osp.isfile(p)), None)
            if path is None:
                raise ValueError(f'Unknown pruning spec {spec!r}: not a file and not a preset. '
                                 f'Presets: {list_presets(preset_dir)}.')
        spec = load_data_file(path)
    if not isinstance(spec, Mapping):
        raise TypeError(f'A pruning spec must be a dict, a spec file or a preset name, '
                        f'got {type(spec).__name__}.')
    unknown = set(spec) - set(SPEC_KEYS) - {'source', 'note'}
    if unknown:
        raise ValueError(f'Pruning spec has unknown keys {sorted(unknown)}; valid keys are '
                         f'{list(SPEC_KEYS)} (plus free-text "source"/"note").')
    spec = copy.deepcopy(dict(spec))
    spec.setdefault('widths', {})
    spec.setdefault('removed_blocks', [])
    return spec


def validate_spec(spec: dict, full_widths: Mapping[str, int], blocks: Sequence[str],
                  model_name: str) -> None:
    """Check that a spec fits the unpruned architecture.

    Args:
        spec: a loaded spec (see :func:`load_spec`).
        full_widths: prunable layer name -> unpruned output channels.
        blocks: names of the residual blocks that may be removed.
        model_name: used in messages.

    Raises:
        ValueError: naming the layer that is unknown, has a non-positive width or
            more channels than the unpruned layer, or an unknown block.
    """
    widths = spec.get('widths', {})
    label = f'{model_name} ({spec["arch"]})' if spec.get('arch') else model_name
    if not isinstance(widths, Mapping):
        raise ValueError(f'{model_name} spec "widths" must map layer names to ints, '
                         f'got {type(widths).__name__}.')
    for name, width in widths.items():
        if name not in full_widths:
            raise ValueError(f'{label} has no prunable layer {name!r}; '
                             f'prunable layers are {list(full_widths)}.')
        if isinstance(width, bool) or not isinstance(width, int):
            raise ValueError(f'{model_name} layer {name!r}: width must be an int, '
                             f'got {width!r}.')
        if not 1 <= width <= full_widths[name]:
            raise ValueError(f'{model_name} layer {name!r}: width {width} is outside '
                             f'[1, {full_widths[name]}] (the unpruned layer has '
                             f'{full_widths[name]} channels).')
    for block in spec.get('removed_blocks', []):
        if block not in blocks:
            raise ValueError(f'{label} has no residual block '
                             f'{block!r}; blocks are {list(blocks)}.')


def resolve_widths(spec: Optional[dict], full_widths: Mapping[str, int]) -> Dict[str, int]:
    """Width of every prunable layer: the spec's where given, else unpruned."""
    given = (spec or {}).get('widths', {})
    return {name: int(given.get(name, width)) for name, width in full_widths.items()}


def make_spec(arch, widths: Mapping[str, int], full_widths: Mapping[str, int],
              removed_blocks: Sequence[str] = ()) -> dict:
    """A minimal spec: only the layers whose width differs from the unpruned one.

    ``arch`` is a zoo name or an arch settings dict.
    """
    return dict(arch=dict(arch) if isinstance(arch, Mapping) else arch,
                widths={k: int(v) for k, v in widths.items() if int(v) != full_widths[k]},
                removed_blocks=list(removed_blocks))
