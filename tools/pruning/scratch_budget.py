"""Write the Scratch-E / Scratch-B / fine-tuning config of a pruned model.

    python tools/pruning/scratch_budget.py CONFIG --pruned-spec resnet34-A --mode B --out NEW.py
    python tools/pruning/scratch_budget.py CONFIG --pruned-spec DIR/spec.json --mode finetune \
        --load-from DIR/pruned.pth --out NEW.py

CONFIG is the unpruned model's config (a step schedule: one MultiStepLR). The
FLOPs ratio unpruned/pruned is measured on the whole classifiers at
--input-size (default 32 for CIFAR, 224 for ImageNet), counted as the
reference's compute_flops.py (mmvisarch.pruning.complexity.reference_flops); dataset rules (dissertation Sec. 3.4):
ImageNet doubles the epochs at >= 2x fewer FLOPs, else epochs x ratio; CIFAR
epochs x ratio; lr steps stretched alike. Fine-tuning: the schedule's lowest
lr, constant, 20 (ImageNet) / 40 (CIFAR) epochs.
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--pruned-spec', required=True, help='preset name or spec file')
    parser.add_argument('--mode', choices=['E', 'B', 'finetune'], required=True)
    parser.add_argument('--dataset', choices=['imagenet', 'cifar'],
                        help='budget rule; defaults to cifar when the dataset type mentions it')
    parser.add_argument('--input-size', type=int, help='FLOPs input size (32 cifar / 224 imagenet)')
    parser.add_argument('--load-from', help='pruned checkpoint to fine-tune (mode finetune)')
    parser.add_argument('--out', required=True, help='the new config (.py)')
    parser.add_argument('--force', action='store_true', help='overwrite an existing --out')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmengine.config import Config

    from mmvisarch.pruning import apply_finetune_schedule, apply_scratch_schedule, load_spec
    from mmvisarch.pruning.complexity import reference_flops
    from mmvisarch.pruning.io import build_backbone, build_model, check_output, save_text
    from mmvisarch.pruning.pipeline import pruned_config
    out = check_output(args.out, [args.config], args.force)
    cfg = Config.fromfile(args.config)
    dataset = args.dataset or ('cifar' if 'cifar' in str(
        cfg.get('train_dataloader', {}).get('dataset', {}).get('type', '')).lower() else 'imagenet')
    size = args.input_size or (32 if dataset == 'cifar' else 224)
    spec = load_spec(args.pruned_spec)
    full = build_model(cfg)
    pruned_backbone = build_backbone(dict(cfg.model.backbone, spec=spec))
    new_cfg = pruned_config(cfg, spec, pruned_backbone.out_channels[-1])
    pruned = build_model(new_cfg)
    if args.mode == 'finetune':
        apply_finetune_schedule(new_cfg, dataset)
        if args.load_from:
            new_cfg.load_from = args.load_from
        note = f'lr {new_cfg.optim_wrapper.optimizer.lr:g}'
    else:
        ratio = reference_flops(full, size) / reference_flops(pruned, size)
        apply_scratch_schedule(new_cfg, ratio, args.mode, dataset)
        note = f'FLOPs ratio {ratio:.3f}'
    save_text(new_cfg.pretty_text, out)
    print(f'{note} ({dataset}); mode {args.mode}: {new_cfg.train_cfg.max_epochs} epochs; '
          f'written {out}')


if __name__ == '__main__':
    main()
