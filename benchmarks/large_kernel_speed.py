"""Large depthwise kernels without a CUDA extension: best implementation, decomposition gain.

    python benchmarks/large_kernel_speed.py [--channels 128] [--batch 2] [--repeats 5] [--no-write]

SLaK (Liu et al., ICLR 2023, Fig. 4 right) times a dense 51x51 depthwise conv against the
decomposed 51x5 + 5x51 (+ 5x5) on an A100 through MegEngine's CUDA kernel; Table 11 compares
SLaK-T with ConvNeXt-T throughput. Here every candidate is plain PyTorch on this machine:

* ``conv``: ``F.conv2d`` with per-axis padding (kh // 2, kw // 2) (what :class:`DepthwiseConv2d`
  does by default), NCHW;
* ``channels_last``: the same on channels-last tensors;
* ``fft``: FFT convolution (:func:`fft_depthwise_conv2d`), whose cost does not grow with the kernel.

For each feature-map size the fastest candidate is reported for the dense and the decomposed
kernel, then their ratio. All candidates are checked to give the same output. Writes its section
of docs/benchmarks.md.
"""
import argparse
import statistics
import sys
import os.path as osp

import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _report import interleaved_times, machine, update_section  # noqa: E402

HEADING = 'SLaK: large depthwise kernels in plain PyTorch'
NOTE = (
    'Reading: the best plain-PyTorch candidate on this CPU is channels-last `F.conv2d` '
    '(oneDNN) except for the dense kernel on the largest maps, where FFT wins; the decomposed'
    " kernel is faster than the dense one at every size but 16x16, where oneDNN's channels-"
    'last depthwise path is pathologically slow for every kernel (a separate check: 36 ms for'
    ' a 5x5 kernel at 16x16 vs 0.2 ms at 32x32). The machine is shared, so single cells can '
    "be off by several x; the paper's >4x needs its CUDA kernel. For CPU inference put the "
    'model and input in channels-last (`model.to(memory_format=torch.channels_last)`).')


def candidates(x, kernels):
    """name -> callable summing the depthwise cross-correlations with ``kernels``."""
    from mmvisarch.models.layers.large_kernel import fft_depthwise_conv2d
    channels = x.shape[1]
    x_last = x.contiguous(memory_format=torch.channels_last)

    def direct(inp):
        return lambda: sum(F.conv2d(inp, k, padding=(k.shape[-2] // 2, k.shape[-1] // 2),
                                    groups=channels) for k in kernels)

    return {'conv': direct(x), 'channels_last': direct(x_last),
            'fft': lambda: sum(fft_depthwise_conv2d(x, k) for k in kernels)}


def bench_kernels(size, args):
    x = torch.randn(args.batch, args.channels, size, size)
    c = args.channels
    dense = [torch.randn(c, 1, 51, 51)]
    decomposed = [torch.randn(c, 1, 51, 5), torch.randn(c, 1, 5, 51), torch.randn(c, 1, 5, 5)]
    row = {}
    for name, kernels in (('dense', dense), ('decomposed', decomposed)):
        fns = candidates(x, kernels)
        with torch.no_grad():
            ref = fns['conv']()
            for other, fn in fns.items():
                torch.testing.assert_close(fn(), ref, atol=1e-3, rtol=1e-3)
            times = interleaved_times(fns, args.repeats, warmup=2)
        medians = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        best = min(medians, key=medians.get)
        row[name] = (medians, best)
    return row


def bench_models(args):
    from mmvisarch.models.backbones import ConvNeXt, SLaK
    x = torch.randn(args.model_batch, 3, 224, 224)
    x_last = x.contiguous(memory_format=torch.channels_last)
    fns = {}
    for name, cls in (('ConvNeXt-T', ConvNeXt), ('SLaK-T', SLaK)):
        model = cls('tiny', out_indices=-1, gap_before_final_norm=True).eval()
        fns[name] = lambda m=model: m(x)
        model_last = cls('tiny', out_indices=-1, gap_before_final_norm=True).eval()
        model_last.to(memory_format=torch.channels_last)
        fns[name + ' channels_last'] = lambda m=model_last: m(x_last)
    with torch.no_grad():
        times = interleaved_times(fns, max(args.repeats // 2, 2), warmup=1)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--channels', type=int, default=128)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--sizes', type=int, nargs='+', default=[16, 32, 64, 128])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--model-batch', type=int, default=4)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    lines = [f'Machine: {machine()}. Depthwise convs on {args.batch}x{args.channels}xRxR, '
             f'fp32, median of {args.repeats} interleaved runs (ms); best candidate in bold.', '',
             '| R | dense 51x51: conv / channels_last / fft | decomposed 51x5+5x51+5x5: '
             'conv / channels_last / fft | dense / decomposed (best vs best) | '
             'paper (A100, Fig. 4) |',
             '|---|---|---|---|---|']
    paper = {16: 13.81 / 3.92, 32: 58.66 / 14.31, 64: 243.15 / 58.14, 128: 990.19 / 234.32}
    for size in args.sizes:
        row = bench_kernels(size, args)
        cells = []
        for name in ('dense', 'decomposed'):
            medians, best = row[name]
            cells.append(' / '.join(f'**{v:.2f}**' if k == best else f'{v:.2f}'
                                    for k, v in medians.items()))
        ratio = row['dense'][0][row['dense'][1]] / row['decomposed'][0][row['decomposed'][1]]
        ref = f'{paper[size]:.1f}x' if size in paper else '-'
        lines.append(f'| {size} | {cells[0]} | {cells[1]} | {ratio:.1f}x | {ref} |')
        print(lines[-1], flush=True)
    model_times = bench_models(args)
    lines += ['', f'Whole models, batch {args.model_batch} at 224x224, dense weights (no sparse '
              'kernels), ms per batch:', '',
              '| layout | ConvNeXt-T | SLaK-T | ConvNeXt-T faster by | paper (Table 11, A100) |',
              '|---|---|---|---|---|']
    for layout in ('', ' channels_last'):
        convnext, slak = model_times['ConvNeXt-T' + layout], model_times['SLaK-T' + layout]
        lines.append(f'| {layout.strip() or "NCHW"} | {convnext * 1e3:.0f} | {slak * 1e3:.0f} | '
                     f'{slak / convnext:.1f}x | 2.5x (1779 vs 709 img/s) |')
    print('\n'.join(lines[-5:]))
    if not args.no_write:
        update_section(HEADING, '\n'.join(lines) + '\n\n' + NOTE +
                       '\n\nReproduce: `python benchmarks/'
                       'large_kernel_speed.py`. No timing is asserted in tests.')


if __name__ == '__main__':
    main()
