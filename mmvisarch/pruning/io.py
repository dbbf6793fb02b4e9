"""Files of the pruning tools: safe output paths, atomic writes, model loading.

The tools never overwrite their input checkpoint, refuse an existing output
unless forced, and write through a temporary file and ``os.replace`` so a
crash never leaves half a checkpoint behind.
"""
import json
import os.path as osp
from typing import Dict, Iterable, Optional, Tuple

import torch
from torch import nn

from mmvisarch.utils import atomic_write, load_checkpoint_safely


def check_output(out: str, inputs: Iterable[str], force: bool = False) -> str:
    """Validate an output path of a pruning tool; returns its absolute path.

    Raises:
        ValueError: when ``out`` is (or lies inside a folder that is) an input,
            or exists and ``force`` is False.
    """
    out_abs = osp.realpath(out)
    for path in inputs:
        if path and osp.realpath(path) == out_abs:
            raise ValueError(f'Output {out!r} is the input {path!r}; the tools never overwrite '
                             f'their input. Choose another output path.')
    if osp.exists(out) and not force:
        raise ValueError(f'Output {out!r} exists; pass --force to overwrite it.')
    return out_abs


def save_checkpoint(state_dict: Dict[str, torch.Tensor], path: str, meta: Optional[dict] = None,
                    **extra) -> None:
    """An mmengine-style checkpoint ``{'state_dict', 'meta', ...}``, written atomically."""
    payload = dict(state_dict=state_dict, meta=dict(meta or {}), **extra)
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def save_json(obj, path: str) -> None:
    def write(tmp):
        with open(tmp, 'w') as f:
            json.dump(obj, f, indent=1)
            f.write('\n')
    atomic_write(path, write)


def save_text(text: str, path: str) -> None:
    def write(tmp):
        with open(tmp, 'w') as f:
            f.write(text)
    atomic_write(path, write)


def build_model(cfg) -> nn.Module:
    """Build ``cfg.model`` in the config's host scope (mmpretrain, mmdet, ...)."""
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    import mmvisarch.models  # noqa: F401  (registers our backbones)
    return MODELS.build(cfg.model)


def read_checkpoint(checkpoint: str, trusted: bool = False) -> dict:
    """``torch.load`` with ``weights_only=True``, or fully when the file is ``trusted``.

    Raises:
        ValueError: the file is missing; :class:`~mmvisarch.utils.CorruptedCheckpointError`
            (a ``ValueError``) when it is truncated or damaged;
            :class:`~mmvisarch.utils.UntrustedCheckpointError` when it is intact but the
            safe load refuses it, naming ``--trust-checkpoint``.
    """
    if not osp.isfile(checkpoint):
        raise ValueError(f'Checkpoint {checkpoint!r} does not exist.')
    return load_checkpoint_safely(checkpoint, 'cpu', trusted)


def build_backbone(backbone_cfg: dict) -> nn.Module:
    """Build a backbone config dict (our types carry the ``mmvisarch.`` prefix)."""
    import copy

    from mmengine.registry import MODELS
    import mmvisarch.models  # noqa: F401
    return MODELS.build(copy.deepcopy(backbone_cfg))


def load_state(model: nn.Module, checkpoint: str, trusted: bool = False) -> Dict[str, torch.Tensor]:
    """Load ``checkpoint`` into ``model`` strictly.

    Raises:
        ValueError: naming the keys and shapes when the checkpoint does not
            match the model built from the config.
    """
    raw = read_checkpoint(checkpoint, trusted)
    state = raw.get('state_dict', raw) if isinstance(raw, dict) else raw
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in state.items() if isinstance(v, torch.Tensor)}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k}: checkpoint {tuple(v.shape)} vs config {tuple(own[k].shape)}'
              for k, v in state.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        raise ValueError(
            f'Checkpoint {checkpoint!r} does not match the config: '
            f'{len(shapes)} shape mismatches {shapes[:3]}, {len(missing)} missing keys '
            f'{missing[:3]}, {len(unexpected)} unexpected keys {unexpected[:3]}. Pass the config '
            f'the checkpoint was trained with (for a pruned model, the config written beside it).')
    model.load_state_dict(state, strict=True)
    return model.state_dict()


def split_output_layer(model: nn.Module, backbone_prefix: str = 'backbone.') -> Tuple[str, ...]:
    """Keys of the first linear layer after the backbone that reads its last output."""
    from .structured import find_output_keys
    backbone = model.get_submodule(backbone_prefix.rstrip('.'))
    key = find_output_keys(model.state_dict(), backbone.out_channels[-1])
    return (key,) if key else ()
