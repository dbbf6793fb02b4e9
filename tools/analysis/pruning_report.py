"""Compare two checkpoints of a pruning experiment (dissertation Sec. 3.8.6-3.8.7).

    python tools/analysis/pruning_report.py A.pth B.pth --labels unpruned pruned \
        [--extra C.pth --extra-label scratch] --out DIR

Writes DIR/weights.png (conv weight histograms, Figure 3.8) and DIR/report.md
with the kept channel ratio per stage of B against A (Tables 3.18/3.21) and
the kept-weight ratio at each 3x3 kernel position per stage of B (Tables
3.19/3.20; B's ``masks`` if saved by prune_magnitude.py, else its exact zeros).
Stages come from parameter names (``layer{s}``, ``dense{b}``); for VGG
(``features.{i}``) pass --config of B to use its backbone's stages.
"""
import argparse
import os
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint_a', help='reference (e.g. unpruned) checkpoint')
    parser.add_argument('checkpoint_b', help='pruned checkpoint')
    parser.add_argument('--labels', nargs=2, default=['A', 'B'])
    parser.add_argument('--extra', nargs='*', default=[], help='more checkpoints for the histogram')
    parser.add_argument('--extra-labels', nargs='*', default=[])
    parser.add_argument('--config', help="B's config (stages of VGG-style backbones)")
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--force', action='store_true', help='overwrite an existing --out')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load checkpoints fully (not weights_only); only files you trust')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmvisarch.pruning.io import check_output, read_checkpoint, save_text
    from mmvisarch.pruning.report import (kept_channels_by_stage, kernel_density_by_stage,
                                          markdown_kernel_table, markdown_stage_table,
                                          stage_from_key, weight_histogram)
    out = check_output(args.out, [args.checkpoint_a, args.checkpoint_b, *args.extra], args.force)
    if len(args.extra_labels) not in (0, len(args.extra)):
        raise SystemExit('--extra-labels needs one label per --extra checkpoint.')
    raws = [read_checkpoint(p, args.trust_checkpoint)
            for p in (args.checkpoint_a, args.checkpoint_b, *args.extra)]
    states = [r.get('state_dict', r) for r in raws]
    labels = [*args.labels, *(args.extra_labels or [osp.basename(p) for p in args.extra])]
    stage_fn = stage_from_key
    if args.config:
        from mmengine.config import Config

        from mmvisarch.pruning.io import build_model
        backbone = build_model(Config.fromfile(args.config)).backbone

        def stage_fn(key):
            name = key[len('backbone.'):] if key.startswith('backbone.') else key
            layer = name.rsplit('.', 1)[0]
            try:
                return backbone.stage_of(layer)
            except (ValueError, StopIteration, IndexError):
                return None
    os.makedirs(out, exist_ok=True)
    weight_histogram(dict(zip(labels, states)), osp.join(out, 'weights.png'))
    kept = kept_channels_by_stage(states[0], states[1], stage_fn)
    density = kernel_density_by_stage(states[1], stage_fn, raws[1].get('masks'))
    text = [f'# Pruning report: {labels[1]} vs {labels[0]}', '',
            f'- {labels[0]}: `{args.checkpoint_a}`', f'- {labels[1]}: `{args.checkpoint_b}`', '',
            '![conv weight distributions](weights.png)', '',
            '## Kept channels per stage (Tables 3.18, 3.21)', '',
            markdown_stage_table(kept, labels[1]), '',
            '## Kept weights per 3x3 kernel position (Tables 3.19, 3.20)', '',
            markdown_kernel_table(density), '']
    save_text('\n'.join(text), osp.join(out, 'report.md'))
    print(f'written {out}/weights.png and {out}/report.md')


if __name__ == '__main__':
    main()
