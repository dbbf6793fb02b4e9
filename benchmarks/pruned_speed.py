"""Measured CPU inference speed-up of each structured pruning preset over its unpruned model.

"Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019; dissertation
ch. 3): structured pruning removes whole channels/blocks, so unlike masked
(unstructured) weights it shrinks dense compute. Each preset runs side by side
with its unpruned backbone (interleaved timing, median), batch 1 by default at
the paper's resolution (32 px CIFAR, 224 px ImageNet); the FLOPs ratio is
shown beside the measured speed ratio. Results go to the "Pruned backbones"
section of docs/benchmarks.md.

    python benchmarks/pruned_speed.py [--batch 1 --repeats 7 --threads 1 --presets resnet34-A ...]
"""
import argparse
import os
import os.path as osp
import statistics
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from benchmarks._report import interleaved_times, machine, update_section  # noqa: E402
from mmvisarch.models.backbones.pruned import PrunedResNet, PrunedVGG  # noqa: E402
from mmvisarch.pruning import list_presets, load_spec  # noqa: E402
from mmvisarch.pruning.complexity import backbone_flops  # noqa: E402


def backbone_for(spec_name):
    arch = load_spec(spec_name)['arch']
    return (PrunedVGG if 'vgg' in arch else PrunedResNet), arch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--presets', nargs='*', default=None, help='defaults to all presets')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1 is steadier on a shared machine)')
    parser.add_argument('--no-write', action='store_true', help='print only')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for name in args.presets or list_presets():
        cls, arch = backbone_for(name)
        size = 32 if name.startswith('cifar') else 224
        full, pruned = cls(arch=arch).eval(), cls(spec=name).eval()
        x = torch.randn(args.batch, 3, size, size)
        with torch.no_grad():
            times = interleaved_times({'full': lambda: full(x), 'pruned': lambda: pruned(x)},
                                      args.repeats, warmup=1)
        t_full, t_pruned = (statistics.median(times[k]) * 1e3 for k in ('full', 'pruned'))
        flops_ratio = backbone_flops(full, size) / backbone_flops(pruned, size)
        rows.append((name, size, t_full, t_pruned, t_full / t_pruned, flops_ratio))
        print(f'{name:22s} {t_full:9.2f} ms {t_pruned:9.2f} ms  speed-up {t_full / t_pruned:.2f}x '
              f'(FLOPs {flops_ratio:.2f}x)')
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    body = [f'Machine: {machine()}, load average {load:.1f} at the end of the run. Backbones '
            f'only (no classifier), batch {args.batch}, fp32, median of {args.repeats} '
            'interleaved runs; each preset timed beside its unpruned model in the same run. '
            'Compare the two right-hand columns: small CIFAR nets at batch 1 are bound by '
            'per-layer overhead, not FLOPs, so their speed-up stays below the FLOPs ratio.', '',
            '| preset | input | unpruned (ms) | pruned (ms) | measured speed-up | FLOPs ratio |',
            '|---|---|---|---|---|---|']
    body += [f'| {n} | {s}px | {a:.2f} | {b:.2f} | {r:.2f}x | {f:.2f}x |'
             for n, s, a, b, r, f in rows]
    body += ['', 'Reproduce: `python benchmarks/pruned_speed.py`. No timing is asserted in tests.']
    if not args.no_write:
        update_section('Pruned backbones (structured pruning presets)', '\n'.join(body))


if __name__ == '__main__':
    main()
