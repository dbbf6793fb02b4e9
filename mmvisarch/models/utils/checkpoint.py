"""Loading backbone weights from any known checkpoint layout.

Each backbone family owns a pure converter (official names in, our names out);
the functions here do what is common: read the file (local path or URL, via
mmengine; local files with ``weights_only=True``), unwrap the container, strip
wrapper prefixes and load with checks that name every key that did not fit: a
backbone checkpoint that would leave backbone weights at their random init is
an error, not a warning.
"""
import fnmatch
from collections import OrderedDict
from typing import Callable, Dict, Optional, Sequence

import torch
from mmengine.logging import MMLogger, print_log
from torch import nn

StateDict = Dict[str, torch.Tensor]
CONTAINER_KEYS = ('state_dict', 'model', 'module')
WRAPPER_PREFIXES = ('module.', 'backbone.')


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> dict:
    """Read a checkpoint from a path, URL or ``open-mmlab://`` name.

    Local files go through :func:`mmvisarch.utils.load_checkpoint_safely`
    (``weights_only=True``; a truncated file is reported as corrupted).
    """
    if '://' not in filename:
        from mmvisarch.utils.safe_load import load_checkpoint_safely
        return load_checkpoint_safely(
            filename, map_location,
            trust_hint='load it once yourself with torch.load(..., weights_only=False) and '
                       'save its state_dict with torch.save')
    from mmengine.runner.checkpoint import CheckpointLoader
    return CheckpointLoader.load_checkpoint(filename, map_location=map_location)


def unwrap_state_dict(checkpoint: dict, prefer_ema: bool = False,
                      prefix: Optional[str] = None) -> StateDict:
    """Return the flat tensor dict inside a checkpoint of any known container.

    Args:
        checkpoint: a raw state dict or a container such as ``{'model': sd}``,
            ``{'model_ema': sd}`` (official ImageNet training checkpoints) or
            ``{'state_dict': sd}`` (mmengine, mmdet, mmseg).
        prefer_ema: take ``model_ema`` where the container has it.
        prefix: keep only keys under this prefix (e.g. ``'backbone.'``) and
            strip it. By default a ``module.`` / ``backbone.`` prefix is
            stripped, and keys outside ``backbone.`` are dropped when the
            checkpoint is a whole detector or segmentor.
    """
    if prefer_ema and isinstance(checkpoint.get('model_ema'), dict):
        state = checkpoint['model_ema']
    else:
        state = checkpoint
        for key in CONTAINER_KEYS:
            if isinstance(state.get(key), dict):
                state = state[key]
                break
        else:
            if isinstance(checkpoint.get('model_ema'), dict):
                state = checkpoint['model_ema']
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if prefix is not None:
        if not prefix.endswith('.'):
            prefix += '.'
        return OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
    state = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                        for k, v in state.items())
    if any(k.startswith('backbone.') for k in state):
        state = OrderedDict((k[len('backbone.'):], v) for k, v in state.items()
                            if k.startswith('backbone.'))
    return state


def summarize_keys(keys: Sequence[str], limit: int = 10) -> str:
    """Name the modules of ``keys`` compactly: ``'stages.2.9', 'stages.2.10', ... (18 modules)``."""
    modules = list(OrderedDict.fromkeys('.'.join(k.split('.')[:3]) if k.count('.') >= 3
                                        else k.rsplit('.', 1)[0] for k in keys))
    shown = ', '.join(modules[:limit])
    more = f', ... and {len(modules) - limit} more' if len(modules) > limit else ''
    return f'{shown}{more} ({len(keys)} tensors in {len(modules)} modules)'


def load_backbone_checkpoint(module: nn.Module, state_dict: StateDict, model_name: str,
                             source: str = 'checkpoint', min_match: float = 0.5,
                             allow_missing: Optional[Sequence[str]] = None) -> Dict[str, list]:
    """Load converted weights into ``module``; every parameter must come from the checkpoint.

    Shape mismatches are errors (they mean another architecture), and so is a
    parameter the checkpoint does not have, unless it matches one of the
    ``allow_missing`` patterns (:mod:`fnmatch`, e.g. ``'norm[0-9]*'``). By
    default these are the module's ``init_missing_ok`` (for ConvNeXt / SLaK the
    per-stage output norms ``norm0..2`` that classification checkpoints lack;
    they start at LayerNorm's identity init, as in the official detection and
    segmentation code). Keys of the checkpoint the model does not use are logged.

    Raises:
        ValueError: a weight's shape differs from the model's, fewer than
            ``min_match`` of the model's parameters were found in the checkpoint,
            or a parameter outside ``allow_missing`` would stay at its random init
            (the message names them).
    """
    own = module.state_dict()
    mismatched = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                  for k, v in state_dict.items() if k in own and v.shape != own[k].shape]
    if mismatched:
        raise ValueError(
            f'{source} does not fit this {model_name}: {len(mismatched)} weight(s) have another '
            f'shape, e.g. ' + '; '.join(mismatched[:5]) +
            '. Is it a checkpoint of another architecture (check `arch`)?')
    param_keys = [k for k, _ in module.named_parameters()]
    found = [k for k in param_keys if k in state_dict]
    if len(found) < min_match * len(param_keys):
        example = ', '.join(list(state_dict)[:5]) or 'none'
        raise ValueError(
            f'{source} holds only {len(found)} of the {len(param_keys)} parameters of this '
            f'{model_name} (its keys start with: {example}). It is not a {model_name} '
            f'checkpoint in any layout this loader knows.')
    if allow_missing is None:
        allow_missing = getattr(module, 'init_missing_ok', ())
    if isinstance(allow_missing, str):
        allow_missing = (allow_missing, )
    uninitialised = [k for k in param_keys if k not in state_dict
                     and not any(fnmatch.fnmatchcase(k, p) for p in allow_missing)]
    if uninitialised:
        raise ValueError(
            f'{source} leaves {len(uninitialised)} of the {len(param_keys)} parameters of this '
            f'{model_name} at their random init: {summarize_keys(uninitialised)}. Is it a '
            f'checkpoint of a smaller variant (check `arch` / depths)? If these weights are meant '
            f'to start from their init, name them in init_cfg=dict(..., allow_missing=[...]) '
            f'(fnmatch patterns; currently {list(allow_missing)}).')
    result = module.load_state_dict(state_dict, strict=False)
    logger = MMLogger.get_current_instance()
    if result.missing_keys:
        print_log(f'{model_name}: weights not in {source} (left at their init, allowed by '
                  f'allow_missing={list(allow_missing)} or buffers): {result.missing_keys}',
                  logger=logger, level=30)
    if result.unexpected_keys:
        print_log(f'{model_name}: keys of {source} not used by the model: '
                  f'{result.unexpected_keys}', logger=logger, level=30)
    return dict(missing_keys=list(result.missing_keys),
                unexpected_keys=list(result.unexpected_keys))


def init_from_pretrained(module: nn.Module, init_cfg: dict,
                         converter: Callable[[StateDict], StateDict],
                         model_name: str) -> Dict[str, list]:
    """Apply ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=None, prefer_ema=False,
    allow_missing=None)`` (see :func:`load_backbone_checkpoint` for ``allow_missing``)."""
    filename = init_cfg['checkpoint']
    checkpoint = load_checkpoint_file(filename, init_cfg.get('map_location', 'cpu'))
    state = unwrap_state_dict(checkpoint, prefer_ema=init_cfg.get('prefer_ema', False),
                              prefix=init_cfg.get('prefix'))
    return load_backbone_checkpoint(module, converter(state), model_name, source=filename,
                                    allow_missing=init_cfg.get('allow_missing'))
