"""Convert a ConvNeXt checkpoint of any known layout to mmvisarch's (official) names.

    python tools/model_converters/convnext_to_mmvisarch.py SRC DST [--prefer-ema] [--final-norm norm3]

Recognises official classification (``model`` / ``model_ema``), official
detection/segmentation (``state_dict`` with ``backbone.``), mmpretrain and timm
layouts; drops classifier heads. The same conversion runs inside
``init_cfg=dict(type='Pretrained', ...)``, so this is only needed offline.
DST is written atomically and never overwritten (SRC is never touched).
"""
import argparse
import os.path as osp
import sys

from mmvisarch.models.backbones.convnext import convert_convnext_state_dict
from mmvisarch.models.utils import load_checkpoint_file, unwrap_state_dict
from mmvisarch.utils import atomic_save


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint path or URL')
    parser.add_argument('dst', help='output path (must not exist)')
    parser.add_argument('--prefer-ema', action='store_true', help='take model_ema if present')
    parser.add_argument('--final-norm', default='norm3',
                        help='name of the last output norm (norm3 for 4 stages)')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        sys.exit(f'error: {args.dst} exists; choose a new output path.')
    state = unwrap_state_dict(load_checkpoint_file(args.src), prefer_ema=args.prefer_ema)
    converted = convert_convnext_state_dict(state, final_norm=args.final_norm)
    atomic_save(dict(state_dict=converted, meta=dict(source=args.src)), args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
