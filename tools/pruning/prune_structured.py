"""Prune channels of a trained model and write a physically smaller one.

    # L1-norm filter pruning (Li et al.): per-stage ratios, skipped blocks (or --preset resnet34-A)
    python tools/pruning/prune_structured.py CONFIG CKPT --method l1 \
        --ratio 0.3 0.3 0.3 0 --skip layer1.0 layer2.0 layer2.3 layer3.0 layer3.5 --out DIR
    # Network Slimming: one global ratio over BN scales (train with mmvisarch.BNSlimmingHook)
    python tools/pruning/prune_structured.py CONFIG CKPT --method slimming --ratio 0.4 --out DIR

Writes DIR/spec.json, DIR/pruned.pth, DIR/config.py (the config with the new
spec; ``load_from`` = pruned.pth, so training it fine-tunes) and DIR/report.md.
The backbone must be a width-spec backbone (mmvisarch.PrunedResNet/VGG/DenseNet).
"""
import argparse
import os
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--method', choices=['l1', 'slimming'], required=True)
    parser.add_argument('--ratio', type=float, nargs='+',
                        help='fraction of channels removed: one value, or one per stage (l1)')
    parser.add_argument('--preset', help="Li et al.'s ratios and skips of a Table 3.1 model "
                                         '(l1), e.g. resnet34-A')
    parser.add_argument('--skip', nargs='*', default=[],
                        help='layers or blocks left unpruned (l1), e.g. layer1.0')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--force', action='store_true', help='overwrite an existing --out')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load the checkpoint fully (not weights_only); '
                             'only for files you trust')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmengine.config import Config

    from mmvisarch.pruning.io import build_model, check_output, load_state
    from mmvisarch.pruning.pipeline import prune_structured, write_structured
    inputs = [args.checkpoint, args.config]
    out = check_output(args.out, inputs, args.force)
    for name in ('spec.json', 'pruned.pth', 'config.py', 'report.md'):  # never onto an input
        check_output(osp.join(out, name), inputs, force=True)
    cfg = Config.fromfile(args.config)
    model = build_model(cfg)
    load_state(model, args.checkpoint, args.trust_checkpoint)
    from mmvisarch.pruning.structured import L1_STRATEGIES
    if args.preset is not None:
        if args.method != 'l1' or args.ratio or args.skip:
            raise SystemExit('--preset goes with --method l1 and replaces --ratio/--skip.')
        if args.preset not in L1_STRATEGIES:
            raise SystemExit(f'Unknown --preset {args.preset!r}; '
                             f'choose from {sorted(L1_STRATEGIES)}.')
        ratio, skip = L1_STRATEGIES[args.preset]
    elif not args.ratio:
        raise SystemExit('Give --ratio (or --preset for l1).')
    else:
        ratio = args.ratio[0] if len(args.ratio) == 1 else list(args.ratio)
        skip = args.skip
    result = prune_structured(model, args.method, ratio, skip)
    os.makedirs(out, exist_ok=True)
    files = write_structured(cfg, result, out, dict(checkpoint=args.checkpoint,
                                                    method=args.method))
    for name, path in files.items():
        print(f'{name}: {path}')


if __name__ == '__main__':
    main()
