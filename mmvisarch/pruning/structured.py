"""Structured (channel) pruning: choose channels, then physically remove them.

Criteria of dissertation Sec. 3.5 (Liu et al., "Rethinking the Value of Network
Pruning", ICLR 2019; reference https://github.com/Eric-mingjie/rethinking-network-pruning):

* L1-norm filter pruning (Li et al., 2017): in each prunable layer keep the
  ``int(C * (1 - p))`` filters of largest L1 norm, ``p`` per stage, some layers
  skipped (:func:`select_l1`).
* Network Slimming (Liu et al., 2017): after training with an L1 penalty on
  BN scales (:class:`mmvisarch.engine.hooks.BNSlimmingHook`), drop the
  channels whose ``|gamma|`` is below one global threshold chosen so that a
  fraction ``ratio`` of all prunable channels goes (:func:`select_slimming`).

Removal is one routine for every width-spec backbone (:func:`prune_state_dict`):
each backbone lists its :class:`~mmvisarch.pruning.groups.ChannelGroup`s and the
kept indices slice every tensor of a group.
"""
from collections import defaultdict
from typing import Dict, Iterable, Mapping, Optional, Sequence, Union

import torch

from .groups import ChannelGroup
from .spec import make_spec

Keep = Dict[str, torch.Tensor]

#: Li et al.'s L1-norm settings of the Table 3.1 models: per-stage prune ratios and
#: the blocks/layers left unpruned (the reference's skip lists of conv ids, as names).
L1_STRATEGIES = {
    'resnet34-A': ([.3, .3, .3, 0.], ['layer1.0', 'layer2.0', 'layer2.3', 'layer3.0', 'layer3.5']),
    'resnet34-B': ([.5, .6, .4, 0.], ['layer1.0', 'layer2.0', 'layer2.3', 'layer3.0', 'layer3.5']),
    'cifar-resnet56-A': ([.1, .1, .1], ['layer1.7', 'layer2.0', 'layer3.0', 'layer3.8']),
    'cifar-resnet56-B': ([.6, .3, .1], ['layer1.7', 'layer1.8', 'layer2.0', 'layer2.7',
                                        'layer3.0', 'layer3.8']),
    'cifar-resnet110-A': ([.5, 0., 0.], ['layer1.17']),
    'cifar-resnet110-B': ([.5, .4, .3], ['layer1.17', 'layer2.0', 'layer3.0']),
    'cifar-vgg16-A': ([.5, 0., 0., .5, .5], ['features.3']),
}


def check_ratio(ratio: float, what: str = 'prune ratio') -> float:
    """Ratios of pruned channels/weights must lie in [0, 1)."""
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio < 1:
        raise ValueError(f'{what} must be a number in [0, 1) (the fraction removed), '
                         f'got {ratio!r}.')
    return float(ratio)


def _top(scores: torch.Tensor, num_keep: int) -> torch.Tensor:
    """Indices of the ``num_keep`` largest scores, in increasing channel order."""
    return torch.sort(torch.topk(scores, num_keep).indices).values


def layer_ratios(backbone, ratio: Union[float, Sequence[float], Mapping[str, float]],
                 skip: Iterable[str] = ()) -> Dict[str, float]:
    """Prune ratio of each prunable layer.

    Args:
        backbone: a width-spec backbone.
        ratio: one ratio for all layers, one per stage (by the backbone's
            ``stage_of``), or a dict layer name -> ratio (others 0).
        skip: layer or block names left unpruned (prefix match on ``name.``).
    """
    groups = backbone.channel_groups()
    skip = tuple(skip)
    known = {g.name for g in groups} | set(backbone.block_names())
    unknown = [s for s in skip if s not in known]
    if unknown:
        raise ValueError(f'Cannot skip {unknown}: not prunable layers or blocks of '
                         f'{backbone.model_name}; prunable layers are '
                         f'{sorted(g.name for g in groups)}.')
    ratios = {}
    for g in groups:
        if isinstance(ratio, Mapping):
            r = ratio.get(g.name, 0.)
        elif isinstance(ratio, (list, tuple)):
            if len(ratio) != backbone.num_stages:
                raise ValueError(f'{len(ratio)} stage ratios given, but {backbone.model_name} '
                                 f'has {backbone.num_stages} stages.')
            r = ratio[backbone.stage_of(g.name)]
        else:
            r = ratio
        if any(g.name == s or g.name.startswith(s + '.') for s in skip):
            r = 0.
        ratios[g.name] = check_ratio(r, f'prune ratio of {g.name}')
    return ratios


def select_l1(backbone, state_dict: Mapping[str, torch.Tensor],
              ratios: Mapping[str, float]) -> Keep:
    """L1-norm filter selection (Li et al., 2017): keep ``int(C * (1 - p))`` filters per layer.

    ``state_dict`` holds the backbone's weights (keys relative to the backbone).
    """
    keep = {}
    for g in backbone.channel_groups():
        weight = state_dict[g.conv]
        num_keep = max(int(g.width * (1 - ratios.get(g.name, 0.))), 1)
        keep[g.name] = _top(weight.abs().flatten(1).sum(1), num_keep)
    return keep


def select_slimming(backbone, state_dict: Mapping[str, torch.Tensor], ratio: float) -> Keep:
    """Network Slimming: one global ``|gamma|`` threshold removes ``ratio`` of the channels.

    As in the reference, the threshold is the ``int(total * ratio)``-th smallest
    ``|gamma|`` over all prunable layers and channels above it are kept; a layer
    keeps at least its largest channel so the network stays connected.

    Raises:
        ValueError: when the backbone has no BN directly after its prunable convs.
    """
    check_ratio(ratio)
    groups = backbone.channel_groups()
    if any(g.bn is None for g in groups):
        raise ValueError(f'Network Slimming needs a BN after each prunable conv; '
                         f'{backbone.model_name} (pre-activation) has none. Use L1-norm pruning.')
    scales = {g.name: state_dict[f'{g.bn}.weight'].abs() for g in groups}
    everything = torch.cat(list(scales.values())).sort().values
    threshold = everything[int(len(everything) * ratio)]
    keep = {}
    for name, s in scales.items():
        kept = torch.nonzero(s > threshold).flatten() if ratio > 0 else torch.arange(len(s))
        keep[name] = kept if len(kept) else s.argmax().view(1)
    return keep


def prune_state_dict(state_dict: Mapping[str, torch.Tensor], groups: Sequence[ChannelGroup],
                     keep: Keep, prefix: str = '',
                     output_keys: Sequence[str] = ()) -> Dict[str, torch.Tensor]:
    """Slice every tensor of each group to the kept channels.

    Args:
        state_dict: the whole model's state dict.
        groups: the backbone's channel groups (keys relative to the backbone).
        keep: layer name -> kept channel indices; layers not named keep all.
        prefix: where the backbone sits in ``state_dict`` (``'backbone.'``).
        output_keys: keys outside the backbone whose dim 1 takes the backbone's
            last output (a classifier's first linear layer).

    Returns:
        A new state dict; ``state_dict`` is not modified.
    """
    masks = {}  # (key, dim) -> bool mask of kept entries
    for g in groups:
        if g.name not in keep:
            continue
        idx = keep[g.name]
        if len(idx) == 0 or int(idx.max()) >= g.width or int(idx.min()) < 0:
            raise ValueError(f'Kept channels of {g.name} must be 1..{g.width} indices in '
                             f'[0, {g.width}), got {idx.tolist()}.')
        dropped = torch.ones(g.width, dtype=torch.bool)
        dropped[idx] = False
        slices = list(g.slices)
        if g.output_offset is not None:
            slices += [(k, 1, g.output_offset) for k in output_keys]
        for key, dim, offset in slices:
            full_key = key if key in output_keys else prefix + key
            if full_key not in state_dict:
                raise KeyError(f'{full_key} is missing from the state dict (channel group '
                               f'{g.name}); does the checkpoint match the config?')
            size = state_dict[full_key].shape[dim]
            mask = masks.setdefault((full_key, dim), torch.ones(size, dtype=torch.bool))
            mask[offset:offset + g.width] &= ~dropped
    out = dict(state_dict)
    for (key, dim), mask in masks.items():
        out[key] = out[key].index_select(dim, torch.nonzero(mask).flatten()).clone()
    return out


def pruned_widths(groups: Sequence[ChannelGroup], keep: Keep) -> Dict[str, int]:
    """Width of each layer after keeping ``keep``."""
    return {g.name: len(keep[g.name]) if g.name in keep else g.width for g in groups}


def pruned_spec(backbone, keep: Keep) -> dict:
    """The spec of ``backbone`` after keeping ``keep`` (composes with its current spec)."""
    widths = dict(backbone.widths)
    widths.update(pruned_widths(backbone.channel_groups(), keep))
    return make_spec(backbone.spec_arch(), widths, backbone.full_widths(),
                     backbone.removed_blocks)


def channel_masks(groups: Sequence[ChannelGroup], keep: Keep) -> Dict[str, torch.Tensor]:
    """Per layer, a 0/1 float mask of its channels (for the masked-original check)."""
    masks = {}
    for g in groups:
        m = torch.zeros(g.width)
        m[keep.get(g.name, torch.arange(g.width))] = 1.
        masks[g.name] = m
    return masks


def kept_ratio_by_stage(backbone, keep: Keep) -> Dict[int, float]:
    """Fraction of channels kept per stage (Tables 3.18, 3.21)."""
    total, kept = defaultdict(int), defaultdict(int)
    for g in backbone.channel_groups():
        stage = backbone.stage_of(g.name)
        total[stage] += g.width
        kept[stage] += len(keep.get(g.name, range(g.width)))
    return {s: kept[s] / total[s] for s in sorted(total)}


def backbone_state(state_dict: Mapping[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    """The entries of ``state_dict`` under ``prefix`` with the prefix removed."""
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}


def find_output_keys(state_dict: Mapping[str, torch.Tensor], width: int,
                     head_prefix: str = 'head.') -> Optional[str]:
    """The first 2-D weight under ``head_prefix`` that takes ``width`` inputs."""
    for key, value in state_dict.items():
        if key.startswith(head_prefix) and key.endswith('weight') and value.dim() == 2 \
                and value.shape[1] == width:
            return key
    return None
