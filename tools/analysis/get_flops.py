"""Print the parameters and FLOPs (multiply-adds) of the model of any config.

    python tools/analysis/get_flops.py CONFIG [--shape H W] [--convention {mmengine,fbnet}]
        [--cfg-options k=v ...]

The dissertation's conventions (ConvNeXt chapter): 224x224 for ImageNet
classifiers, ``--shape 800 1280`` for COCO detectors (Table 4.3) and
``--shape 512 2048`` (or ``640 2560``) for ADE20K segmentors (Table 4.4).
``--convention fbnet`` counts as mobile-vision does for FBNetV3 ("Pruning Compact
ConvNets" Table 3): conv / linear weight multiply-adds plus average-pool inputs,
params = conv / linear weights. The counting lives in :mod:`mmvisarch.analysis.complexity`.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import mmvisarch  # noqa: E402,F401  (registry scope)
from mmvisarch.utils import load_config  # noqa: E402
from mmvisarch.analysis.complexity import config_complexity  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Count parameters and FLOPs of a model.')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height and width (one value: a square). Defaults to 224.')
    parser.add_argument('--in-channels', type=int, default=3, help='input channels')
    parser.add_argument('--convention', choices=['mmengine', 'fbnet'], default='mmengine',
                        help="counting rules: mmengine's FlopAnalyzer (default) or mobile-vision's "
                             "(FBNetV3 tables)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if len(args.shape) not in (1, 2):
        parser.error(f'--shape takes H W or one size, got {args.shape}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    h, w = args.shape * 2 if len(args.shape) == 1 else args.shape
    print(config_complexity(cfg, (args.in_channels, h, w), args.convention))


if __name__ == '__main__':
    main()
