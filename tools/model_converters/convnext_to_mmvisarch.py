"""Convert a ConvNeXt or SLaK checkpoint of any known layout to mmvisarch's names.

    python tools/model_converters/convnext_to_mmvisarch.py SRC DST [--prefer-ema]
        [--final-norm norm3] [--classifier] [--family auto|convnext|slak]

The family is detected from the keys (SLaK: ``large_kernel`` branches, incl.
the older releases' ``Decom1`` / ``Decom2`` and ``lkb_origin`` names) or given
with ``--family``; SLaK checkpoints go through ``convert_slak_state_dict``
(``Decom1/2`` -> ``LoRA1/2``), ConvNeXt ones through
``convert_convnext_state_dict``. Recognises official classification (``model`` / ``model_ema``),
official detection/segmentation (``state_dict`` with ``backbone.``), mmpretrain, timm,
torchvision (``features.*``) and Hugging Face transformers (``convnext.*``)
layouts. By default it writes the backbone alone (classifier heads dropped), as
``init_cfg=dict(type='Pretrained', ...)`` loads it. With ``--classifier`` it
writes a whole mmpretrain ``ImageClassifier`` (``backbone.*`` + ``head.fc.*``),
so ``tools/test.py`` can evaluate an official ImageNet checkpoint directly.
DST is written atomically and never overwritten (SRC is never touched).
"""
import argparse
import os.path as osp
import re
import sys

from mmvisarch.models.backbones.convnext import convert_convnext_state_dict
from mmvisarch.models.backbones.slak import convert_slak_state_dict
from mmvisarch.models.utils import load_checkpoint_file, unwrap_state_dict
from mmvisarch.utils import atomic_save

#: Classifier weights of the official / timm, mmpretrain, torchvision and
#: Hugging Face layouts.
HEAD_KEYS = ('head.weight', 'head.bias', 'head.fc.weight', 'head.fc.bias',
             'classifier.2.weight', 'classifier.2.bias', 'classifier.weight', 'classifier.bias')


FAMILIES = {'convnext': convert_convnext_state_dict, 'slak': convert_slak_state_dict}
SLAK_KEY = re.compile(r'\.large_kernel\.(LoRA[12]|Decom[12]|lkb_origin|small_conv)\.')


def detect_family(state) -> str:
    """'slak' when any key is a SLaK large-kernel branch, else 'convnext'."""
    return 'slak' if any(SLAK_KEY.search(k) for k in state) else 'convnext'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint path or URL')
    parser.add_argument('dst', help='output path (must not exist)')
    parser.add_argument('--prefer-ema', action='store_true', help='take model_ema if present')
    parser.add_argument('--final-norm', default='norm3',
                        help='name of the last output norm (norm3 for 4 stages)')
    parser.add_argument('--classifier', action='store_true',
                        help='keep the classifier: write backbone.* and head.fc.* keys')
    parser.add_argument('--family', default='auto', choices=['auto', *FAMILIES],
                        help='model family of SRC (default: detected from its keys)')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        sys.exit(f'error: {args.dst} exists; choose a new output path.')
    state = unwrap_state_dict(load_checkpoint_file(args.src), prefer_ema=args.prefer_ema)
    family = detect_family(state) if args.family == 'auto' else args.family
    converted = FAMILIES[family](state, final_norm=args.final_norm)
    if args.classifier:
        head = {f'head.fc.{k.rsplit(".", 1)[1]}': v for k, v in state.items()
                if k in HEAD_KEYS}
        if not head:
            sys.exit(f'error: --classifier: {args.src} has no classifier head '
                     f'(one of {", ".join(HEAD_KEYS)}).')
        converted = {**{f'backbone.{k}': v for k, v in converted.items()}, **head}
    atomic_save(dict(state_dict=converted, meta=dict(source=args.src)), args.dst)
    print(f'wrote {len(converted)} {family} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
