"""Whole-model pruning steps behind ``tools/pruning/``: config + checkpoint in,
a physically smaller model (spec + checkpoint + config) or masks out."""
import copy
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence, Union

import torch
from torch import nn

from .io import (build_backbone, build_model, save_checkpoint, save_json, save_text,
                 split_output_layer)
from .structured import (backbone_state, kept_ratio_by_stage, layer_ratios, prune_state_dict,
                         pruned_spec, select_l1, select_slimming)

METHODS = ('l1', 'slimming')


def prune_structured(model: nn.Module, method: str, ratio: Union[float, Sequence[float]],
                     skip: Iterable[str] = (), backbone_name: str = 'backbone') -> dict:
    """Select and remove channels of ``model.<backbone_name>`` (a width-spec backbone).

    Returns:
        dict with ``spec`` (the pruned backbone's spec), ``state_dict`` (the
        whole pruned model), ``keep`` (kept indices) and ``kept_by_stage``.
    """
    if method not in METHODS:
        raise ValueError(f'Unknown structured pruning method {method!r}; choose from {METHODS}.')
    backbone = model.get_submodule(backbone_name)
    if not hasattr(backbone, 'channel_groups'):
        raise TypeError(f'{type(backbone).__name__} is not a width-spec backbone; use '
                        f'mmvisarch.PrunedResNet / PrunedVGG / PrunedDenseNet in the config.')
    prefix = backbone_name + '.'
    state = model.state_dict()
    own = backbone_state(state, prefix)
    if method == 'l1':
        keep = select_l1(backbone, own, layer_ratios(backbone, ratio, skip))
    else:
        if not isinstance(ratio, (int, float)) or skip:
            raise ValueError('Network Slimming takes one global --ratio and no --skip.')
        keep = select_slimming(backbone, own, ratio)
    new_state = prune_state_dict(state, backbone.channel_groups(), keep, prefix,
                                 split_output_layer(model, prefix))
    return dict(spec=pruned_spec(backbone, keep), state_dict=new_state, keep=keep,
                kept_by_stage=kept_ratio_by_stage(backbone, keep))


def pruned_config(cfg, spec: dict, out_channels: int, checkpoint: Optional[str] = None):
    """A copy of ``cfg`` whose backbone takes ``spec`` (and whose head input follows)."""
    cfg = copy.deepcopy(cfg)
    cfg.model.backbone.spec = spec
    cfg.model.backbone.pop('init_cfg', None)
    head = cfg.model.get('head')
    if head is not None and 'in_channels' in head and isinstance(head.in_channels, int):
        head.in_channels = out_channels
    if checkpoint is not None:
        cfg.load_from = checkpoint
    return cfg


def write_structured(cfg, result: dict, out_dir: str, source: Dict[str, str]) -> Dict[str, str]:
    """Build the pruned model from its config, load the weights strictly, write the files.

    Files: ``spec.json``, ``pruned.pth`` (mmengine checkpoint), ``config.py``
    (loads ``pruned.pth`` via ``load_from``), ``report.md``.
    """
    ckpt = osp.join(out_dir, 'pruned.pth')
    backbone_cfg = cfg.model.backbone
    out_channels = build_backbone(dict(cfg.model.backbone, spec=result['spec'])).out_channels[-1]
    new_cfg = pruned_config(cfg, result['spec'], out_channels, ckpt)
    model = build_model(new_cfg)
    model.load_state_dict(result['state_dict'], strict=True)  # proves the files fit
    after = sum(p.numel() for p in model.parameters())
    save_json(result['spec'], osp.join(out_dir, 'spec.json'))
    save_checkpoint(model.state_dict(), ckpt,
                    meta=dict(pruning=dict(spec=result['spec'], source=source.get('checkpoint'),
                                           method=source.get('method'))))
    save_text(new_cfg.pretty_text, osp.join(out_dir, 'config.py'))
    lines = [f'# Pruned {backbone_cfg.get("type")} ({source.get("method")})', '',
             f'- source checkpoint: `{source.get("checkpoint")}`',
             f'- parameters after pruning: {after:,}', '',
             '| stage | kept channel ratio |', '|---|---|']
    lines += [f'| {s} | {r:.3f} |' for s, r in result['kept_by_stage'].items()]
    save_text('\n'.join(lines) + '\n', osp.join(out_dir, 'report.md'))
    return dict(spec=osp.join(out_dir, 'spec.json'), checkpoint=ckpt,
                config=osp.join(out_dir, 'config.py'), report=osp.join(out_dir, 'report.md'))


def masks_to_state(masks: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Masks keyed by parameter name (``<module>.weight``), stored as bool tensors."""
    return {f'{name}.weight': m.to(torch.bool) for name, m in masks.items()}
