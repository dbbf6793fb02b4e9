"""Analyses of pruned models from their checkpoints (dissertation Sec. 3.8.6-3.8.7).

* Weight distributions of conv layers (Figure 3.8: unpruned vs fine-tuned vs
  scratch-trained models): :func:`weight_histogram`.
* Kept channel ratio per stage of a structurally pruned model against its
  unpruned one (Tables 3.18, 3.21): :func:`kept_channels_by_stage`.
* Kept weight ratio at each position of the 3x3 kernels per stage of an
  unstructured-pruned model (Tables 3.19, 3.20): :func:`kernel_density_by_stage`.

All work on plain state dicts, so any pair of checkpoints can be compared.
"""
import re
from collections import defaultdict
from typing import Callable, Dict, Mapping, Optional

import numpy as np
import torch

StageFn = Callable[[str], Optional[int]]
_STAGE = re.compile(r'(?:^|\.)(?:layer|dense|trans|stage|stages\.)(\d+)[._]')


def stage_from_key(key: str) -> Optional[int]:
    """Stage of a parameter from its name (``layer3.`` -> 2, ``dense1.`` -> 0), else None."""
    match = _STAGE.search(key)
    if match is None:
        return None
    index = int(match.group(1))
    return index if 'stages.' in key else index - 1


def conv_weights(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The 4-D (conv) weights of a state dict."""
    return {k: v.float() for k, v in state.items() if k.endswith('weight') and v.dim() == 4}


def kept_channels_by_stage(full: Mapping[str, torch.Tensor], pruned: Mapping[str, torch.Tensor],
                           stage_fn: StageFn = stage_from_key) -> Dict[int, float]:
    """Channels of the pruned model over the unpruned one, summed per stage (Table 3.18/3.21).

    Only convs present in both checkpoints count; shortcut (downsample) convs
    are skipped, since their width is the residual stream's.
    """
    total, kept = defaultdict(int), defaultdict(int)
    a, b = conv_weights(full), conv_weights(pruned)
    for key in a.keys() & b.keys():
        stage = stage_fn(key)
        if stage is None or 'downsample' in key:
            continue
        total[stage] += a[key].shape[0]
        kept[stage] += b[key].shape[0]
    return {s: kept[s] / total[s] for s in sorted(total)}


def kernel_density_by_stage(state: Mapping[str, torch.Tensor],
                            stage_fn: StageFn = stage_from_key,
                            masks: Optional[Mapping[str, torch.Tensor]] = None
                            ) -> Dict[int, np.ndarray]:
    """Fraction of non-zero weights at each 3x3 kernel position, per stage (Tables 3.19/3.20).

    ``masks`` (parameter name -> bool) take precedence over exact zeros.
    """
    sums, counts = defaultdict(lambda: np.zeros((3, 3))), defaultdict(int)
    for key, weight in conv_weights(state).items():
        if tuple(weight.shape[-2:]) != (3, 3):
            continue
        stage = stage_fn(key)
        if stage is None:
            continue
        alive = masks[key].bool() if masks is not None and key in masks else weight != 0
        sums[stage] += alive.flatten(0, 1).float().sum(0).numpy()
        counts[stage] += weight.shape[0] * weight.shape[1]
    return {s: sums[s] / counts[s] for s in sorted(sums)}


def weight_histogram(states: Mapping[str, Mapping[str, torch.Tensor]], path: str,
                     bins: int = 100, drop_zeros: bool = True) -> None:
    """Overlaid histograms of all conv weights of each labelled state dict (Figure 3.8).

    Exact zeros (masked weights) are dropped by default, as only surviving weights
    form the distribution. Written as PNG to ``path``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    values = {}
    for label, state in states.items():
        flat = torch.cat([w.flatten() for w in conv_weights(state).values()])
        values[label] = (flat[flat != 0] if drop_zeros else flat).numpy()
    limit = max(np.percentile(np.abs(v), 99.5) for v in values.values())
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, v in values.items():
        ax.hist(v, bins=bins, range=(-limit, limit), histtype='step', density=True, label=label)
    ax.set_xlabel('weight value (conv layers)')
    ax.set_ylabel('density')
    ax.legend()
    fig.tight_layout()
    from mmvisarch.utils import atomic_write
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format='png'))
    plt.close(fig)


def markdown_stage_table(table: Mapping[int, float], title: str) -> str:
    """A stage -> ratio table as markdown (stages numbered from 1, as in the tables)."""
    lines = [f'| {title} | ' + ' | '.join(f'Stage {s + 1}' for s in table) + ' |',
             '|---|' + '---|' * len(table),
             '| kept ratio | ' + ' | '.join(f'{v:.3f}' for v in table.values()) + ' |']
    return '\n'.join(lines)


def markdown_kernel_table(table: Mapping[int, np.ndarray]) -> str:
    """Per stage, the 3x3 grid of kept ratios (rows of the kernel), as in Tables 3.19/3.20."""
    lines = ['| stage | kernel row | col 1 | col 2 | col 3 |', '|---|---|---|---|---|']
    for stage, grid in table.items():
        for r, row in enumerate(grid):
            lines.append(f'| {stage + 1 if r == 0 else ""} | {r + 1} | ' +
                         ' | '.join(f'{v:.3f}' for v in row) + ' |')
    return '\n'.join(lines)
