"""Inference throughput (images/s) of the model of any config.

    python tools/analysis/benchmark.py CONFIG [--shape H W] [--batch-size 8]
        [--warmup 5] [--iters 20] [--channels-last] [--amp {bf16,fp16}] [--device cpu|cuda]
        [--deploy] [--compile] [--bf16 [--bf16-emulated]]

The chapter measures classifier throughput at a fixed batch after warm-up
(V100 in Table 4.1; A100 with TF32 and channels-last in Table 4.12). The model
runs its host's inference path (see :func:`mmvisarch.analysis.complexity.inference_module`)
on a random batch; weights are not loaded (speed does not depend on them).
``--deploy`` times the re-parameterised model (:mod:`mmvisarch.models.deploy`),
``--compile`` a ``torch.compile``-d backbone (compiled during warm-up) and
``--bf16`` bf16 autocast after checking that the device runs bf16 natively
(AVX512-BF16/AMX CPUs, Ampere+ GPUs; ``--bf16-emulated`` times it anyway).
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import DictAction
from mmengine.model import revert_sync_batchnorm

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import mmvisarch  # noqa: E402,F401  (registry scope)
from mmvisarch.utils import load_config  # noqa: E402
from mmvisarch.analysis.complexity import (AMP_DTYPES, build_model_from_config,  # noqa: E402
                                           inference_module, measure_throughput)
from mmvisarch.engine.inference import check_bf16, optimize_for_inference  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Measure inference throughput of a model.')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height and width (one value: a square). Defaults to 224.')
    parser.add_argument('--batch-size', type=int, default=8, help='fixed batch size')
    parser.add_argument('--warmup', type=int, default=5, help='untimed iterations')
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--channels-last', action='store_true', help='channels-last memory')
    parser.add_argument('--amp', choices=sorted(AMP_DTYPES), help='autocast dtype')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--deploy', action='store_true', help='time the deployed model')
    parser.add_argument('--compile', action='store_true', help='torch.compile the backbone')
    parser.add_argument('--bf16', action='store_true',
                        help='bf16 autocast, after a native-support check (= --amp bf16)')
    parser.add_argument('--bf16-emulated', action='store_true',
                        help='allow --bf16 on a CPU without AVX512-BF16/AMX')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if len(args.shape) not in (1, 2):
        parser.error(f'--shape takes H W or one size, got {args.shape}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.bf16 and args.amp not in (None, 'bf16'):
        parser.error(f'--bf16 conflicts with --amp {args.amp}')
    if args.bf16_emulated and not args.bf16:
        parser.error('--bf16-emulated only makes sense with --bf16')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    h, w = args.shape * 2 if len(args.shape) == 1 else args.shape
    model = revert_sync_batchnorm(build_model_from_config(cfg)).to(args.device).eval()
    if args.bf16:
        print(f'bf16: {check_bf16(args.device, args.bf16_emulated)}')
        args.amp = 'bf16'
    if args.deploy or args.compile:
        model = optimize_for_inference(model, deploy=args.deploy, compile=args.compile,
                                       copy_model=False)
    module = inference_module(model, h, w)
    inputs = torch.randn(args.batch_size, 3, h, w, device=args.device)
    speed = measure_throughput(module, inputs, args.warmup, args.iters, amp=args.amp,
                               channels_last=args.channels_last, progress=True)
    print(f'\nDevice: {args.device}, batch {args.batch_size}, input {h}x{w}, '
          f'amp {args.amp or "off"}, channels_last {args.channels_last}, '
          f'deploy {args.deploy}, compile {args.compile}')
    print(f'Throughput: {speed:.3g} images/s')


if __name__ == '__main__':
    main()
