"""ConvNeXt-T forward throughput: mmvisarch vs mmpretrain.ConvNeXt, same weights, one run.

    python benchmarks/convnext_vs_mmpretrain.py [--batch 8] [--size 224] [--repeats 10]

Both models are built in eval mode with identical weights (checked: equal outputs),
then timed round-robin. Writes its section of docs/benchmarks.md.
"""
import argparse
import statistics
import sys
import os.path as osp

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _report import interleaved_times, machine, update_section  # noqa: E402


def build_pair():
    from mmpretrain.models import ConvNeXt as MMPretrainConvNeXt
    from mmvisarch.models import ConvNeXt
    ours = ConvNeXt('tiny', out_indices=-1, gap_before_final_norm=True)
    ours.init_weights()
    theirs = MMPretrainConvNeXt('tiny', out_indices=-1, gap_before_final_norm=True)
    renamed = {k.replace('.dwconv.', '.depthwise_conv.').replace('.pwconv', '.pointwise_conv'): v
               for k, v in ours.state_dict().items()}
    theirs.load_state_dict(renamed, strict=True)
    theirs.eval()  # mmpretrain's ConvNeXt.train() returns None, so no chaining
    return ours.eval(), theirs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    ours, theirs = build_pair()
    x = torch.randn(args.batch, 3, args.size, args.size)
    with torch.inference_mode():
        torch.testing.assert_close(ours(x)[0], theirs(x)[0], atol=1e-4, rtol=1e-4)
        times = interleaved_times({'mmvisarch': lambda: ours(x), 'mmpretrain': lambda: theirs(x)},
                                  args.repeats)
    rate = {k: args.batch / statistics.median(v) for k, v in times.items()}
    ratio = rate['mmvisarch'] / rate['mmpretrain']
    body = (f'`benchmarks/convnext_vs_mmpretrain.py` (issue 2): ConvNeXt-T forward, batch '
            f'{args.batch}, {args.size}x{args.size}, fp32, eval, identical weights; median of '
            f'{args.repeats} round-robin repeats on {machine()}.\n\n'
            '| model | images/s |\n|---|---|\n'
            f'| mmvisarch.ConvNeXt | {rate["mmvisarch"]:.2f} |\n'
            f'| mmpretrain.ConvNeXt | {rate["mmpretrain"]:.2f} |\n\n'
            f'**Ratio mmvisarch / mmpretrain: {ratio:.3f}x** (>= 1 means at least as fast).')
    print(body)
    if not args.no_write:
        update_section('ConvNeXt-T: mmvisarch vs mmpretrain (CPU)', body)


if __name__ == '__main__':
    main()
