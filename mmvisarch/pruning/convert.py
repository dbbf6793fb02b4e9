"""Reference checkpoints of "Rethinking the Value of Network Pruning" as width-spec models.

The reference code (https://github.com/Eric-mingjie/rethinking-network-pruning)
saves ``{'cfg': cfg, 'state_dict': sd}`` (pruned models) or ``{'state_dict': sd}``
(weight-level models, unpruned shapes with zeros). :func:`convert_reference`
reads the per-layer widths off the tensors' shapes (and checks them against
``cfg`` when present), writes the width spec and renames the tensors into the
classifier built from an unpruned config of this package with that spec:

* backbone tensors keep their names under ``backbone.`` (``feature.{i}`` of
  the network-slimming / L1-norm VGG becomes ``features.{i}``);
* the classifier (``fc`` / ``classifier``) maps, in order and shape-checked,
  onto the head's tensors (``LinearClsHead`` or the L1-norm VGG's
  ``StackedLinearClsHead``).

Anything that does not fit is an error naming the tensors: the converted state
dict loads with ``strict=True``. Network-slimming PreResNet-164 / DenseNet-40
checkpoints (``channel_selection`` layers) are refused: their selected input
channels are not expressible in a width spec yet.
"""
from typing import Dict, List, Optional, Tuple

import torch

from .spec import make_spec

HEAD_PREFIXES = ('fc.', 'classifier.')


def _strip_module(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drop DataParallel's ``module.`` (whole model or ``features.module``)."""
    out = {}
    for key, value in state.items():
        key = key[len('module.'):] if key.startswith('module.') else key
        out[key.replace('.module.', '.')] = value
    return out


def _backbone_key(key: str) -> str:
    if key.startswith('feature.'):
        key = 'features.' + key[len('feature.'):]
    return 'backbone.' + key


def widths_from_state(backbone, state: Dict[str, torch.Tensor]) -> Dict[str, int]:
    """Output channels of each prunable layer of ``backbone`` read off the reference tensors.

    Raises:
        ValueError: naming the prunable layers whose weight is missing.
    """
    widths, missing = {}, []
    for name in backbone.full_widths():
        key = name + '.weight'
        alt = 'feature.' + name[len('features.'):] + '.weight' if name.startswith('features.') \
            else None
        tensor = state.get(key, state.get(alt) if alt else None)
        if tensor is None:
            missing.append(key)
        else:
            widths[name] = int(tensor.shape[0])
    if missing:
        raise ValueError(f'The reference checkpoint has no weight for the prunable layers '
                         f'{missing[:8]}{" ..." if len(missing) > 8 else ""} of '
                         f'{backbone.model_name}({backbone.arch_name!r}); is --config the '
                         f'unpruned model of the same family?')
    return widths


def _check_cfg(cfg, widths: Dict[str, int]) -> None:
    """The reference ``cfg`` (widths, 'M' for pools in VGG) agrees with the tensor shapes."""
    if cfg is None:
        return
    flat = [int(v) for v in cfg if v != 'M' and not isinstance(v, str)]
    ours = list(widths.values())
    if flat == ours:
        return
    if len(flat) != len(ours):  # e.g. a ResNet cfg of a family we read another way
        return
    raise ValueError(f'The checkpoint cfg {list(cfg)} disagrees with its tensor shapes '
                     f'{ours}; the checkpoint is inconsistent.')


def map_state(state: Dict[str, torch.Tensor], model) -> Dict[str, torch.Tensor]:
    """Rename reference tensors to ``model``'s (an mmpretrain ``ImageClassifier``).

    Raises:
        ValueError: naming unexpected/missing tensors or a shape mismatch.
    """
    own = model.state_dict()
    out: Dict[str, torch.Tensor] = {}
    ref_head = [k for k in state if k.startswith(HEAD_PREFIXES)]
    own_head = [k for k in own if k.startswith('head.')]
    for key, value in state.items():
        if key in ref_head:
            continue
        out[_backbone_key(key)] = value
    if len(ref_head) != len(own_head):
        raise ValueError(f'The reference classifier has tensors {ref_head} but the head of the '
                         f'config has {own_head}; use the config of the same method '
                         f'(its head differs per method).')
    for ref_key, own_key in zip(ref_head, own_head):
        if ref_key.rsplit('.', 1)[1] != own_key.rsplit('.', 1)[1] or \
                state[ref_key].shape != own[own_key].shape:
            raise ValueError(f'Reference tensor {ref_key} {tuple(state[ref_key].shape)} does not '
                             f'fit {own_key} {tuple(own[own_key].shape)} of the config\'s head.')
        out[own_key] = state[ref_key]
    # checkpoints of PyTorch < 0.4 have no BN counters: the counter is not a weight
    for key in own:
        if key.endswith('num_batches_tracked') and key not in out:
            out[key] = torch.zeros((), dtype=torch.long)
    missing = sorted(set(own) - set(out))
    unexpected = sorted(set(out) - set(own))
    wrong = sorted(k for k in set(own) & set(out) if own[k].shape != out[k].shape)
    if missing or unexpected or wrong:
        raise ValueError(
            'The reference checkpoint does not fit the model of the config: '
            f'missing {missing[:10]}, unexpected {unexpected[:10]}, wrong shape '
            f'{[(k, tuple(out[k].shape), tuple(own[k].shape)) for k in wrong[:10]]}.')
    return out


def convert_reference(raw: dict, cfg) -> Tuple[Dict[str, torch.Tensor], dict, object]:
    """(state dict, width spec, pruned config) of a reference checkpoint for ``cfg``.

    Args:
        raw: the loaded reference checkpoint (``{'cfg'?, 'state_dict'}`` or a bare state dict).
        cfg: the mmengine config of this package's unpruned model of that family.

    Raises:
        ValueError: for ``channel_selection`` checkpoints and anything that does not fit.
    """
    from .io import build_backbone, build_model
    from .pipeline import pruned_config
    state = raw.get('state_dict', raw) if isinstance(raw, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ValueError('Not a reference checkpoint: expected {"cfg": ..., "state_dict": {name: '
                         'tensor}} or a state dict.')
    state = _strip_module(state)
    selections = sorted({k.rsplit('.', 1)[0] for k in state if k.endswith('.indexes')})
    if selections:
        raise ValueError(f'The checkpoint has channel_selection layers {selections[:4]} '
                         f'(network-slimming PreResNet-164 / DenseNet-40): their selected input '
                         f'channels cannot be expressed in a width spec yet; not converted.')
    full = build_backbone(cfg.model.backbone)
    widths = widths_from_state(full, state)
    _check_cfg(raw.get('cfg') if isinstance(raw, dict) else None, widths)
    spec = make_spec(full.spec_arch(), widths, full.full_widths())
    spec['source'] = 'converted from a rethinking-network-pruning checkpoint'
    pruned = build_backbone(dict(cfg.model.backbone, spec=spec))
    new_cfg = pruned_config(cfg, spec, pruned.out_channels[-1])
    model = build_model(new_cfg)
    out = map_state(state, model)
    model.load_state_dict(out, strict=True)  # proves the result loads strictly
    return out, spec, new_cfg


def zero_fraction(state: Dict[str, torch.Tensor], keys: Optional[List[str]] = None) -> float:
    """Fraction of zeros over ``keys`` (default: all conv weights), for reports."""
    keys = keys or [k for k, v in state.items() if v.dim() == 4]
    total = sum(state[k].numel() for k in keys)
    return sum(int((state[k] == 0).sum()) for k in keys) / max(total, 1)
