"""Shared by the benchmark scripts: timing side by side and writing docs/benchmarks.md."""
import os
import os.path as osp
import platform
import re
import time
from typing import Callable, Dict, List

import torch

from mmvisarch.utils import atomic_write

DOC = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'docs', 'benchmarks.md')
HEADER = ('# Benchmarks\n\nSpeed comparisons measured side by side in one run of each script '
          '(ratios, not absolute numbers, are the result: the machines are shared and noisy). '
          'Each section is rewritten by the script named in it.\n')


def machine() -> str:
    return (f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
            f'torch {torch.__version__} ({torch.get_num_threads()} threads)')


def interleaved_times(fns: Dict[str, Callable[[], object]], repeats: int,
                      warmup: int = 2) -> Dict[str, List[float]]:
    """Time each callable ``repeats`` times, round-robin, so drifts in machine load hit all."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def update_section(heading: str, body: str, path: str = DOC) -> None:
    """Replace (or append) the ``## heading`` section of docs/benchmarks.md, atomically."""
    text = open(path).read() if osp.exists(path) else HEADER
    section = f'## {heading}\n\n{body.strip()}\n'
    pattern = re.compile(rf'^## {re.escape(heading)}\n.*?(?=^## |\Z)', re.S | re.M)
    text = pattern.sub(lambda _: section + '\n', text) if pattern.search(text) \
        else text.rstrip() + '\n\n' + section
    def write(tmp: str) -> None:
        with open(tmp, 'w') as f:
            f.write(text)
    atomic_write(path, write)
