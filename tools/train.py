"""Train any mmdet / mmseg / mmpretrain / mmpose config with mmvisarch models.

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [CKPT]] [--trust-checkpoint]
                          [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

The host library is chosen by the config's ``default_scope``; our types are
named with the ``mmvisarch.`` prefix. On a machine without CUDA, distributed
runs use the gloo backend.

Checkpoints (``--resume``, ``load_from``) are read with ``weights_only=True``;
``--trust-checkpoint`` loads that one file with full unpickling (only for files
you made or trust, e.g. one written by plain mmengine). ``--resume`` without a
path takes the newest intact checkpoint of the work dir (SafeCheckpointHook).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _launch import build_runner, load_config  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmvisarch.utils import route_checkpoint  # noqa: E402

SAFE_HOOK_TYPES = ('mmvisarch.SafeCheckpointHook', 'SafeCheckpointHook')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument('--amp', action='store_true', help='mixed precision (AmpOptimWrapper)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir '
                             'when no path is given')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load the --resume / load_from checkpoint with full unpickling '
                             '(it can run code: only for files you made or trust)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual batch size over auto_scale_lr.base_batch_size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'AmpOptimWrapper':
            print('AMP is already enabled by the config.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict(enable=..., '
                             'base_batch_size=N)` in the config.')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
        hook = cfg.get('default_hooks', {}).get('checkpoint') or {}
        if hook.get('type') in SAFE_HOOK_TYPES:
            hook['trust_checkpoint'] = args.trust_checkpoint
        else:
            print(f'warning: {args.config} does not use mmvisarch.SafeCheckpointHook; the resume '
                  f'takes mmengine\'s last_checkpoint as is, and saves are not kill-safe.')
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume {args.resume}: no such checkpoint file.')
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('load_from') and '://' not in cfg.load_from:
        cfg.load_from = route_checkpoint(cfg.load_from, trusted=args.trust_checkpoint)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
