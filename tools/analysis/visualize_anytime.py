"""Visualise anytime dense prediction (ADP-C, Figures 2.3 and 2.4).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Sec. 2.5.1.

Two sub-commands, each writing one PNG:

* ``exits CONFIG CHECKPOINT IMAGE [--gt LABEL_PNG] --out fig.png``: for every
  exit, the prediction (top), the confidence map (middle) and the positions
  masked out after that exit in green over correct / wrong pixels in white /
  black (bottom; grey without a ground truth), as in Figure 2.4.
* ``curve RESULT.json [RESULT.json ...] --labels ... --out curve.png``:
  accuracy vs. GFLOPs at each exit (Figure 2.3) from the metrics that
  ``tools/test.py`` logs (``mIoU_exit{i}`` or ``PCK_exit{i}`` (PCKh@0.5 of MpiiPCKAccuracy) and
  ``GFLOPs_exit{i}``, one JSON object per file, e.g. the ``<timestamp>.json``
  mmengine writes into the work directory).
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Sequence

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _save_figure(fig, out: str) -> None:
    """Write the PNG atomically."""
    from mmvisarch.utils import atomic_write
    atomic_write(out, lambda tmp: fig.savefig(tmp, dpi=100, bbox_inches='tight', format='png'))


def exit_predictions(model, image_path: str):
    """Per-exit logits, confidence and masked-out maps at the image's size."""
    import torch
    import torch.nn.functional as F
    from mmengine.dataset import Compose
    from mmvisarch.models.layers.masked_conv import AdaptivityContext

    cfg = model.cfg
    pipeline = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] != 'LoadAnnotations']
    data = Compose(pipeline)(dict(img_path=image_path))
    batch = model.data_preprocessor(dict(inputs=[data['inputs']],
                                         data_samples=[data['data_samples']]), False)
    criterion = model.adaptivity or AdaptivityContext('max_prob', threshold=0.998)
    ori_shape = data['data_samples'].metainfo['ori_shape']
    results = []
    with torch.no_grad():
        for index, logits in model.forward_exits(batch['inputs']):
            logits = F.interpolate(logits, size=ori_shape, mode='bilinear', align_corners=False)
            confidence = logits.softmax(dim=1).amax(dim=1)[0]
            masked = criterion.compute_mask(logits)[0, 0] == 0
            results.append(dict(exit=index, pred=logits.argmax(1)[0].numpy(),
                                confidence=confidence.numpy(), masked=masked.numpy()))
    return results


def plot_exits(results: List[dict], palette: np.ndarray, out: str,
               gt: np.ndarray = None, ignore_index: int = 255) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    n = len(results)
    fig, axes = plt.subplots(3, n, figsize=(3.2 * n, 5.2), squeeze=False)
    for col, r in enumerate(results):
        axes[0, col].imshow(palette[r['pred'] % len(palette)])
        axes[0, col].set_title(f'exit {r["exit"]}')
        axes[1, col].imshow(r['confidence'], cmap='viridis', vmin=0, vmax=1)
        if gt is not None:
            correct = (r['pred'] == gt) | (gt == ignore_index)
            canvas = np.where(correct[..., None], 255, 0).astype(np.uint8).repeat(3, -1)
        else:
            canvas = np.full(r['pred'].shape + (3, ), 128, dtype=np.uint8)
        canvas[r['masked']] = (0, 200, 0)
        axes[2, col].imshow(canvas)
        axes[2, col].set_xlabel(f'{100 * r["masked"].mean():.1f}% masked')
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel('prediction')
    axes[1, 0].set_ylabel('confidence')
    axes[2, 0].set_ylabel('masked (green)')
    _save_figure(fig, out)
    plt.close(fig)


def load_curve(path: str) -> Dict[str, List[float]]:
    """Accuracy and GFLOPs per exit from a metrics JSON written by tools/test.py."""
    with open(path) as f:
        text = f.read().strip()
    # mmengine's scalar logs hold one JSON object per line; the last has the test metrics.
    metrics = json.loads(text.splitlines()[-1])
    gflops, acc = [], []
    i = 1
    while f'GFLOPs_exit{i}' in metrics:
        gflops.append(metrics[f'GFLOPs_exit{i}'])
        keys = [f'{name}_exit{i}' for name in ('mIoU', 'PCK') if f'{name}_exit{i}' in metrics]
        if not keys:
            raise ValueError(f'{path}: no mIoU_exit{i} / PCK_exit{i} entry')
        acc.append(metrics[keys[0]])
        i += 1
    if not gflops:
        raise ValueError(f'{path}: no GFLOPs_exit1 entry; evaluate with mmvisarch.AnytimeMetric')
    return dict(gflops=gflops, acc=acc)


def plot_curves(curves: Sequence[Dict[str, List[float]]], labels: Sequence[str], out: str,
                ylabel: str = 'mIoU (%)') -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    for curve, label in zip(curves, labels):
        ax.plot(curve['gflops'], curve['acc'], marker='o', label=label)
    ax.set_xlabel('GFLOPs')
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    _save_figure(fig, out)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('exits', help='per-exit predictions, confidence and masks (Fig. 2.4)')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('image')
    p.add_argument('--gt', help='label map (train ids) for correct / wrong pixels')
    p.add_argument('--out', required=True)
    p.add_argument('--force', action='store_true', help='replace an existing --out')
    c = sub.add_parser('curve', help='accuracy vs GFLOPs per exit (Fig. 2.3)')
    c.add_argument('results', nargs='+')
    c.add_argument('--labels', nargs='+')
    c.add_argument('--ylabel', default='mIoU (%)')
    c.add_argument('--out', required=True)
    c.add_argument('--force', action='store_true', help='replace an existing --out')
    args = parser.parse_args(argv)
    from mmvisarch.utils import check_overwrite
    check_overwrite(args.out, args.force)  # before any work

    if args.command == 'curve':
        labels = args.labels or [osp.splitext(osp.basename(r))[0] for r in args.results]
        if len(labels) != len(args.results):
            parser.error(f'--labels needs {len(args.results)} names, got {len(labels)}')
        plot_curves([load_curve(r) for r in args.results], labels, args.out, args.ylabel)
    else:
        from mmseg.apis import init_model
        from PIL import Image

        import mmvisarch  # noqa: F401
        model = init_model(args.config, args.checkpoint, device='cpu')
        if not hasattr(model, 'forward_exits'):
            parser.error(f'{args.config} is not an anytime model (mmvisarch.AnytimeEncoderDecoder)')
        palette = np.asarray(model.dataset_meta['palette'], dtype=np.uint8)
        gt = np.asarray(Image.open(args.gt)) if args.gt else None
        plot_exits(exit_predictions(model, args.image), palette, args.out, gt)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
