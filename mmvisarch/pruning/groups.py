"""Channel groups: which tensors lose which slices when a layer's channels go.

A :class:`ChannelGroup` is one prunable layer (a spec key): the conv producing
the channels, the BN right after it (the Network Slimming score) and every
``(state-dict key, dim, offset)`` slice that must follow the kept channels --
the conv's output dim, the BN vectors and the consumers' input dims (the next
conv, or the input of every later layer in a DenseNet). Each width-spec
backbone lists its groups (``channel_groups()``), so one routine removes
channels from any family (:func:`mmvisarch.pruning.structured.prune_state_dict`).
"""
from dataclasses import dataclass
from typing import Optional, Tuple

BN_KEYS = ('weight', 'bias', 'running_mean', 'running_var')


@dataclass(frozen=True)
class ChannelGroup:
    """One prunable layer and the slices that follow its channels.

    Attributes:
        name: the layer's spec key (e.g. ``layer1.0.conv1``).
        width: its current number of output channels.
        conv: state-dict key of the producing conv weight (L1-norm score).
        bn: key prefix of the BN applied to these channels (slimming score),
            or None.
        slices: ``(key, dim, offset)``: channel ``c`` of the layer is index
            ``offset + c`` along ``dim`` of tensor ``key``.
        output_offset: where the channels sit in the backbone's last output
            (the head's input must then be sliced too), or None.
    """
    name: str
    width: int
    conv: str
    bn: Optional[str]
    slices: Tuple[Tuple[str, int, int], ...]
    output_offset: Optional[int] = None


def bn_slices(prefix: str, offset: int = 0) -> Tuple[Tuple[str, int, int], ...]:
    """The four per-channel BN tensors under ``prefix``."""
    return tuple((f'{prefix}.{k}', 0, offset) for k in BN_KEYS)
