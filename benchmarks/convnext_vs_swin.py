"""ConvNeXt-T vs Swin-T inference throughput at equal FLOPs, side by side in one run.

    python benchmarks/convnext_vs_swin.py [--batch 8] [--size 224] [--repeats 5] [--no-write]

Dissertation Sec. 4.4 / Table 4.1 (V100) and Table 4.12 (A100, TF32, channels
last): ConvNeXt-T (4.5G FLOPs) runs at 774.7 / 1943.5 img/s vs Swin-T's (4.5G)
757.9 / 1325.6, i.e. 1.02x / 1.47x faster. Here three 1000-way classifiers run
round-robin on this machine's CPU: mmvisarch ConvNeXt-T, mmpretrain ConvNeXt-T
with the same weights (outputs checked equal) and mmpretrain Swin-T, in NCHW and
channels-last layouts. FLOPs are counted with :mod:`mmvisarch.analysis.complexity`.
Writes the "ConvNeXt-T vs Swin-T" section of docs/benchmarks.md.
"""
import argparse
import os.path as osp
import statistics
import sys

import torch
from torch import nn

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _report import interleaved_times, machine, update_section  # noqa: E402

PAPER = {'V100 (Table 4.1)': (774.7, 757.9), 'A100 TF32 channels-last (Table 4.12)': (1943.5,
                                                                                      1325.6)}


class Classifier(nn.Module):
    """Backbone, global average pool (unless the backbone pools) and a 1000-way head."""

    def __init__(self, backbone: nn.Module, channels: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(channels, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.backbone(x)[-1]
        return self.head(feat.mean((2, 3)) if feat.ndim == 4 else feat)


def build_models() -> dict:
    from mmpretrain.models import ConvNeXt as MMPretrainConvNeXt
    from mmpretrain.models import SwinTransformer

    from mmvisarch.models import ConvNeXt
    ours = Classifier(ConvNeXt('tiny', out_indices=-1, gap_before_final_norm=True), 768)
    ours.backbone.init_weights()
    theirs = Classifier(MMPretrainConvNeXt('tiny', out_indices=-1, gap_before_final_norm=True),
                        768)
    renamed = {k.replace('.dwconv.', '.depthwise_conv.').replace('.pwconv', '.pointwise_conv'): v
               for k, v in ours.state_dict().items()}
    theirs.load_state_dict(renamed, strict=True)
    swin = Classifier(SwinTransformer('tiny', img_size=224, out_indices=(3, )), 768)
    return {'mmvisarch ConvNeXt-T': ours.eval(), 'mmpretrain ConvNeXt-T': theirs.eval(),
            'mmpretrain Swin-T': swin.eval()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args(argv)
    from mmvisarch.analysis.complexity import model_complexity
    torch.manual_seed(0)
    models = build_models()
    gflops = {name: model_complexity(m, (3, args.size, args.size)).gflops
              for name, m in models.items()}
    x = torch.randn(args.batch, 3, args.size, args.size)
    rates = {}
    with torch.inference_mode():
        a, b = (models[k](x) for k in ('mmvisarch ConvNeXt-T', 'mmpretrain ConvNeXt-T'))
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
        for layout in ('NCHW', 'channels_last'):
            if layout == 'channels_last':
                models = {k: m.to(memory_format=torch.channels_last) for k, m in models.items()}
                x = x.contiguous(memory_format=torch.channels_last)
            times = interleaved_times({k: (lambda m=m: m(x)) for k, m in models.items()},
                                      args.repeats)
            rates[layout] = {k: args.batch / statistics.median(v) for k, v in times.items()}

    rows = ['| model | GFLOPs | NCHW img/s | channels_last img/s |', '|---|---|---|---|']
    for name in models:
        rows.append(f'| {name} | {gflops[name]:.2f} | {rates["NCHW"][name]:.2f} | '
                    f'{rates["channels_last"][name]:.2f} |')
    ratio_rows = ['| ratio | NCHW | channels_last | paper |', '|---|---|---|---|']
    for ref in ('mmpretrain Swin-T', 'mmpretrain ConvNeXt-T'):
        paper = ('; '.join(f'{k}: {c / s:.2f}x' for k, (c, s) in PAPER.items())
                 if 'Swin' in ref else 'same model, same weights: 1x expected')
        ratio_rows.append(
            f'| mmvisarch ConvNeXt-T / {ref} | '
            f'{rates["NCHW"]["mmvisarch ConvNeXt-T"] / rates["NCHW"][ref]:.2f}x | '
            f'{rates["channels_last"]["mmvisarch ConvNeXt-T"] / rates["channels_last"][ref]:.2f}x'
            f' | {paper} |')
    body = (f'`benchmarks/convnext_vs_swin.py` (issue 3): 1000-way classifiers, batch {args.batch}, '
            f'{args.size}x{args.size}, fp32, eval, median of {args.repeats} round-robin repeats on '
            f'{machine()}. The paper claims ConvNeXt is faster than Swin at equal FLOPs on GPUs '
            f'(Tables 4.1, 4.12).\n\n' + '\n'.join(rows) + '\n\n' + '\n'.join(ratio_rows) +
            '\n\nReproduce: `python benchmarks/convnext_vs_swin.py`. No timing is asserted in '
            'tests.')
    print(body)
    if not args.no_write:
        update_section('ConvNeXt-T vs Swin-T (CPU)', body)


if __name__ == '__main__':
    main()
