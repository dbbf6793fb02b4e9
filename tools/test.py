"""Evaluate a checkpoint with any host config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--tta] [--out FILE [--force]]
                         [--trust-checkpoint] [--cfg-options k=v ...] [--launcher pytorch]
                         [--deploy] [--compile] [--bf16 [--bf16-emulated]]

``--tta`` switches to the config's ``tta_model`` / ``tta_pipeline`` (e.g.
multi-scale + flip testing for segmentation), so a single config serves both.
The checkpoint is read with ``weights_only=True``; ``--trust-checkpoint`` loads
it with full unpickling (only for a file you made or trust). ``--out`` is
written atomically and never replaces an existing file unless ``--force``.
``--deploy`` tests the re-parameterised inference model (norms, layer scales and
SLaK's kernels folded: :mod:`mmvisarch.models.deploy`), ``--compile`` a
``torch.compile``-d backbone and ``--bf16`` runs under bf16 autocast (native bf16
CPUs/GPUs only unless ``--bf16-emulated``); see
:class:`mmvisarch.engine.inference.InferenceOptimizeHook`.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _launch import build_runner, load_config  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmvisarch.utils import check_overwrite, route_checkpoint  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument('--out', help='dump the evaluation results to this pickle file')
    parser.add_argument('--force', action='store_true', help='let --out replace an existing file')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load CHECKPOINT with full unpickling (it can run code: only for '
                             'files you made or trust)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation of the config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--deploy', action='store_true',
                        help='test the re-parameterised (deployed) inference model')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile (inductor) the backbone')
    parser.add_argument('--bf16', action='store_true', help='bf16 autocast inference')
    parser.add_argument('--bf16-emulated', action='store_true',
                        help='allow --bf16 on a CPU without AVX512-BF16/AMX (slow; accuracy only)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} does not exist.')
    if args.bf16_emulated and not args.bf16:
        raise ValueError('--bf16-emulated only makes sense with --bf16.')
    if args.out:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out {args.out}: the results are a pickle; name it *.pkl.')
        check_overwrite(args.out, args.force)
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    cfg.load_from = args.checkpoint if '://' in args.checkpoint else route_checkpoint(
        args.checkpoint, trusted=args.trust_checkpoint)
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise ValueError(f'--tta: {args.config} defines no tta_model / tta_pipeline.')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out:
        cfg.test_evaluator = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='mmvisarch.AtomicDumpResults',
                                       out_file_path=osp.abspath(args.out),
                                       overwrite=args.force))
    if args.deploy or args.compile or args.bf16:
        if args.launcher != 'none':
            raise ValueError('--deploy/--compile/--bf16 run on one process; drop --launcher.')
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(
            type='mmvisarch.InferenceOptimizeHook', deploy=args.deploy, compile=args.compile,
            bf16=args.bf16, allow_emulated=args.bf16_emulated)]
    runner = build_runner(cfg)
    return runner.test()


if __name__ == '__main__':
    main()
