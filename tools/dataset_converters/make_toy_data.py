"""Write the embedded toy datasets (synthetic scenes in the real formats).

    python tools/dataset_converters/make_toy_data.py --out data [--only coco ade20k]

Deterministic for a given ``--seed``; a dataset whose folder exists is kept
unless ``--force``.
"""
import argparse
import os.path as osp
import sys

from mmvisarch.datasets.toy import GENERATORS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data', help='root folder of the datasets')
    parser.add_argument('--only', nargs='+', choices=sorted(GENERATORS), help='datasets to write')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true', help='rewrite existing datasets')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    for name in args.only or sorted(GENERATORS):
        marker = osp.join(args.out, f'.{name}_toy_done')
        if osp.exists(marker) and not args.force:
            print(f'{name}: kept (exists; --force rewrites)')
            continue
        folder = GENERATORS[name](args.out, args.seed)
        open(marker, 'w').close()
        print(f'{name}: written to {folder}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
