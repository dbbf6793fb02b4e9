"""Unstructured magnitude pruning of a trained model, kept as masks.

    # Table 3.6: a fraction of all conv weights, one global threshold (or per layer)
    python tools/pruning/prune_magnitude.py CONFIG CKPT --sparsity 0.6 --scope global --out OUT.pth
    # Ghosh et al. 2022 (FBNetV3): 1x1 convs pruned down to the FLOPs of a smaller model
    python tools/pruning/prune_magnitude.py CONFIG CKPT --only-1x1 --target-flops 356.6e6 \
        --scope uniform --out OUT.pth          # or --target-config SMALLER_CONFIG
    # the paper's networks and counting (configs/fbnetv3): seed C at 248 px to FBNetV3-A at 224 px
    python tools/pruning/prune_magnitude.py configs/fbnetv3/fbnetv3-c_in1k.py C.pth --only-1x1 \
        --input-size 248 --target-config configs/fbnetv3/fbnetv3-a_in1k.py --target-input-size 224 \
        --with-linear --convention fbnet --scope uniform --out OUT.pth

OUT.pth holds the masked weights (``state_dict``), the bool masks (``masks``,
keyed by parameter name) and ``meta.pruning`` with sparsity and FLOPs
(sparse FLOPs count each layer at its density, Eq. 1). FLOPs are measured on
the whole model (classifiers) or ``--flops-of backbone`` (detectors) at
``--input-size``.
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument('--sparsity', type=float, help='fraction of the selected weights removed')
    target.add_argument('--target-flops', type=float, help='FLOPs (multiply-adds) to reach')
    target.add_argument('--target-config', help='config of a smaller model whose FLOPs to reach')
    parser.add_argument('--scope', choices=['global', 'uniform'], default='global')
    parser.add_argument('--only-1x1', action='store_true', help='prune only 1x1 convolutions')
    parser.add_argument('--with-linear', action='store_true',
                        help='with --only-1x1: prune linear layers too (the classifier, a 1x1 '
                             'conv in the official FBNetV3)')
    parser.add_argument('--flops-of', choices=['model', 'backbone'], default='model')
    parser.add_argument('--input-size', type=int, default=224)
    parser.add_argument('--target-input-size', type=int,
                        help='input size of --target-config (defaults to --input-size)')
    parser.add_argument('--convention', choices=['mmengine', 'fbnet'], default='mmengine',
                        help="FLOPs counting: mmengine's FlopAnalyzer or mobile-vision's "
                             "(the FBNetV3 paper's Table 1 / Eq. 1)")
    parser.add_argument('--out', required=True, help='output checkpoint path')
    parser.add_argument('--force', action='store_true', help='overwrite an existing --out')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load the checkpoint fully (not weights_only); '
                             'only for files you trust')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import torch
    from mmengine.config import Config

    from mmvisarch.analysis.complexity import FLOPS_COUNTERS
    from mmvisarch.pruning.io import build_model, check_output, load_state, save_checkpoint
    from mmvisarch.pruning.pipeline import masks_to_state
    from mmvisarch.pruning.unstructured import (apply_masks, flops_target_masks,
                                                is_conv_weight, is_pointwise_conv,
                                                is_pointwise_or_linear,
                                                magnitude_masks, sparse_flops,
                                                sparsity_of)
    out = check_output(args.out, [args.checkpoint, args.config], args.force)
    cfg = Config.fromfile(args.config)
    model = build_model(cfg).eval()
    load_state(model, args.checkpoint, args.trust_checkpoint)
    counted = model.backbone if args.flops_of == 'backbone' else model
    prefix = 'backbone.' if args.flops_of == 'backbone' else ''
    inputs = (torch.zeros(1, 3, args.input_size, args.input_size),)
    select = is_pointwise_conv if args.only_1x1 else is_conv_weight
    if args.with_linear:
        if not args.only_1x1:
            raise SystemExit('error: --with-linear extends --only-1x1; pass both.')
        select = is_pointwise_or_linear
    flops_by_module = FLOPS_COUNTERS[args.convention]
    if args.sparsity is not None:
        masks = magnitude_masks(counted, args.sparsity, args.scope, select)
    else:
        target = args.target_flops
        if args.target_config:
            small = build_model(Config.fromfile(args.target_config)).eval()
            size = args.target_input_size or args.input_size
            target = flops_by_module(small.backbone if prefix else small,
                                     (torch.zeros(1, 3, size, size),))[0]
        masks = flops_target_masks(counted, target, inputs, args.scope, select, flops_by_module)
    dense, _ = flops_by_module(counted, inputs)
    sparse = sparse_flops(counted, masks, inputs, flops_by_module)
    apply_masks(counted, masks)
    masks = {prefix + k: v for k, v in masks.items()}
    meta = dict(pruning=dict(source=args.checkpoint, scope=args.scope, only_1x1=args.only_1x1,
                             with_linear=args.with_linear,
                             sparsity=sparsity_of(masks), dense_flops=dense, sparse_flops=sparse,
                             input_size=args.input_size, convention=args.convention,
                             target_flops=None if args.sparsity is not None else target))
    save_checkpoint(model.state_dict(), out, meta=meta, masks=masks_to_state(masks))
    print(f'sparsity {meta["pruning"]["sparsity"]:.4f}; FLOPs {dense:.4g} -> {sparse:.4g}; '
          f'written {out}')


if __name__ == '__main__':
    main()
