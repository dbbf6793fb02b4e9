"""Convert a ConvNeXt checkpoint of any known layout to mmvisarch's (official) names.

    python tools/model_converters/convnext_to_mmvisarch.py SRC DST [--prefer-ema]
        [--final-norm norm3] [--classifier]

Recognises official classification (``model`` / ``model_ema``), official
detection/segmentation (``state_dict`` with ``backbone.``), mmpretrain, timm,
torchvision (``features.*``) and Hugging Face transformers (``convnext.*``)
layouts. By default it writes the backbone alone (classifier heads dropped), as
``init_cfg=dict(type='Pretrained', ...)`` loads it. With ``--classifier`` it
writes a whole mmpretrain ``ImageClassifier`` (``backbone.*`` + ``head.fc.*``),
so ``tools/test.py`` can evaluate an official ImageNet checkpoint directly.
DST is written atomically and never overwritten (SRC is never touched).
"""
import argparse
import os.path as osp
import sys

from mmvisarch.models.backbones.convnext import convert_convnext_state_dict
from mmvisarch.models.utils import load_checkpoint_file, unwrap_state_dict
from mmvisarch.utils import atomic_save

#: Classifier weights of the official / timm, mmpretrain, torchvision and
#: Hugging Face layouts.
HEAD_KEYS = ('head.weight', 'head.bias', 'head.fc.weight', 'head.fc.bias',
             'classifier.2.weight', 'classifier.2.bias', 'classifier.weight', 'classifier.bias')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint path or URL')
    parser.add_argument('dst', help='output path (must not exist)')
    parser.add_argument('--prefer-ema', action='store_true', help='take model_ema if present')
    parser.add_argument('--final-norm', default='norm3',
                        help='name of the last output norm (norm3 for 4 stages)')
    parser.add_argument('--classifier', action='store_true',
                        help='keep the classifier: write backbone.* and head.fc.* keys')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        sys.exit(f'error: {args.dst} exists; choose a new output path.')
    state = unwrap_state_dict(load_checkpoint_file(args.src), prefer_ema=args.prefer_ema)
    converted = convert_convnext_state_dict(state, final_norm=args.final_norm)
    if args.classifier:
        head = {f'head.fc.{k.rsplit(".", 1)[1]}': v for k, v in state.items()
                if k in HEAD_KEYS}
        if not head:
            sys.exit(f'error: --classifier: {args.src} has no classifier head '
                     f'(one of {", ".join(HEAD_KEYS)}).')
        converted = {**{f'backbone.{k}': v for k, v in converted.items()}, **head}
    atomic_save(dict(state_dict=converted, meta=dict(source=args.src)), args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
