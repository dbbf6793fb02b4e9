"""Effective receptive field of any backbone: heat-map PNG and high-contribution area ratios.

    python tools/analysis/visualize_erf.py CONFIG [--checkpoint CKPT] [--images DIR]
        [--num-images 8] [--size 256] [--out-index -1] [--out PNG [--force]] [--cfg-options k=v ...]

SLaK, Sec. 6.1 / Fig. 3 and Appendix F / Table 10: the gradient of the central unit of the
last feature map w.r.t. the input, accumulated over images (50 validation images at 1024x1024
in the paper), shown after ``log10(x + 1)`` and normalisation, with the ratio ``r`` of the
smallest centred square holding 20/30/50/99% of the contributions. Only the config's
``model.backbone`` is used (any registered backbone). By default the images are the toy
ADE20K validation images (``python tools/dataset_converters/make_toy_data.py --out data``).
The PNG (default ``work_dirs/erf/<config name>.png``) and the ``.npy`` beside it are written
atomically; existing files are kept unless ``--force``.
"""
import argparse
import glob
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import mmvisarch  # noqa: E402,F401  (registry scope)
from mmvisarch.utils import atomic_write, check_overwrite, load_config  # noqa: E402
from mmvisarch.analysis.erf import (  # noqa: E402
    THRESHOLDS, accumulate_erf, high_contribution_ratios, normalized_erf, save_heatmap)

DEFAULT_IMAGES = osp.join('data', 'ade_toy', 'images', 'validation')
MEAN, STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Visualise the effective receptive field.')
    parser.add_argument('config', help='config whose model.backbone is analysed')
    parser.add_argument('--checkpoint', help='weights (any layout the backbone loads)')
    parser.add_argument('--images', default=DEFAULT_IMAGES, help='folder of images')
    parser.add_argument('--num-images', type=int, default=8)
    parser.add_argument('--size', type=int, default=256, help='images are resized to size^2')
    parser.add_argument('--out-index', type=int, default=-1, help='which backbone output')
    parser.add_argument('--out', help='heat-map PNG (an .npy is saved beside); defaults to '
                                      'work_dirs/erf/<config name>.png')
    parser.add_argument('--force', action='store_true', help='replace existing outputs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def load_images(folder: str, count: int, size: int):
    from PIL import Image
    paths = sorted(p for ext in ('jpg', 'jpeg', 'png')
                   for p in glob.glob(osp.join(folder, f'*.{ext}')))
    if not paths:
        raise FileNotFoundError(f'no .jpg/.png images in {folder!r}; generate the toy data '
                                f'(tools/dataset_converters/make_toy_data.py) or pass --images.')
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    for path in paths[:count]:
        image = Image.open(path).convert('RGB').resize((size, size), Image.BILINEAR)
        yield (torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1) - mean) / std


def build_backbone(cfg: Config, checkpoint: str = None) -> torch.nn.Module:
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    backbone_cfg = cfg.model.backbone.copy()
    if checkpoint:
        backbone_cfg.init_cfg = dict(type='Pretrained', checkpoint=checkpoint)
    else:
        backbone_cfg.pop('init_cfg', None)  # random weights: no download
    backbone = MODELS.build(backbone_cfg)
    if checkpoint:
        backbone.init_weights()
    return backbone.eval()


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.out is None:
        args.out = osp.join('work_dirs', 'erf', osp.splitext(osp.basename(args.config))[0] + '.png')
    npy = osp.splitext(args.out)[0] + '.npy'
    for path in (args.out, npy):  # before any work
        check_overwrite(path, args.force)
    cfg = load_config(args.config, args.cfg_options)
    backbone = build_backbone(cfg, args.checkpoint)
    erf = accumulate_erf(backbone, load_images(args.images, args.num_images, args.size),
                         feature=lambda outs: outs[args.out_index])
    ratios = high_contribution_ratios(normalized_erf(erf), THRESHOLDS)
    title = (f'{osp.splitext(osp.basename(args.config))[0]}\n' +
             ', '.join(f'r@{int(t * 100)}%={r * 100:.1f}%' for t, r in ratios.items()))
    save_heatmap(erf, args.out, title)
    def write_npy(tmp):
        with open(tmp, 'wb') as f:
            np.save(f, erf)
    atomic_write(npy, write_npy)
    for t, r in ratios.items():
        print(f'high-contribution area ratio r at t={t * 100:.0f}%: {r * 100:.1f}%')
    print(f'heat map: {args.out}')
    return ratios


if __name__ == '__main__':
    main()
