"""Loading backbone weights from any known checkpoint layout.

Each backbone family owns a pure converter (official names in, our names out);
the functions here do what is common: read the file (local path or URL, via
mmengine), unwrap the container, strip wrapper prefixes and load with checks
that name every key that did not fit.
"""
from collections import OrderedDict
from typing import Callable, Dict, Optional

import torch
from mmengine.logging import MMLogger, print_log
from torch import nn

StateDict = Dict[str, torch.Tensor]
CONTAINER_KEYS = ('state_dict', 'model', 'module')
WRAPPER_PREFIXES = ('module.', 'backbone.')


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> dict:
    """Read a checkpoint from a path, URL or ``open-mmlab://`` name."""
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


def load_backbone_checkpoint(module: nn.Module, state_dict: StateDict, model_name: str,
                             source: str = 'checkpoint',
                             min_match: float = 0.5) -> Dict[str, list]:
    """Load converted weights into ``module`` and report what did not fit.

    Shape mismatches are errors (they mean another architecture); keys missing
    from or unexpected in the checkpoint are logged by name.

    Raises:
        ValueError: a weight's shape differs from the model's, or fewer than
            ``min_match`` of the model's parameters were found in the checkpoint.
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
    result = module.load_state_dict(state_dict, strict=False)
    logger = MMLogger.get_current_instance()
    if result.missing_keys:
        print_log(f'{model_name}: weights not in {source} (left at their init): '
                  f'{result.missing_keys}', logger=logger, level=30)
    if result.unexpected_keys:
        print_log(f'{model_name}: keys of {source} not used by the model: '
                  f'{result.unexpected_keys}', logger=logger, level=30)
    return dict(missing_keys=list(result.missing_keys),
                unexpected_keys=list(result.unexpected_keys))


def init_from_pretrained(module: nn.Module, init_cfg: dict,
                         converter: Callable[[StateDict], StateDict],
                         model_name: str) -> Dict[str, list]:
    """Apply ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=None, prefer_ema=False)``."""
    filename = init_cfg['checkpoint']
    checkpoint = load_checkpoint_file(filename, init_cfg.get('map_location', 'cpu'))
    state = unwrap_state_dict(checkpoint, prefer_ema=init_cfg.get('prefer_ema', False),
                              prefix=init_cfg.get('prefix'))
    return load_backbone_checkpoint(module, converter(state), model_name, source=filename)
