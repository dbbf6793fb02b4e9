"""Convert an official mobile-vision FBNetV3 checkpoint to an mmvisarch classifier.

    python tools/model_converters/fbnetv3_to_mmvisarch.py SRC DST --arch a

SRC is a ``model.pth`` of the mobile-vision model zoo (``FBNetV3_{A..G}``):
``{'state_dict': ..., 'model_ema': ...}`` with ``module.backbone.stages.*`` and
``module.head.conv.*``; like the official loader, ``model_ema`` is used when it is
present and not None. DST is an mmpretrain ``ImageClassifier`` state dict
(``backbone.stages.*``, ``head.fc.*``) for ``configs/fbnetv3/fbnetv3-{arch}_in1k.py``.
The conversion is strict: every key and shape must match ``FBNetV3(arch)`` and the
1000-way head, and errors name the offending keys. DST is written atomically and
never overwritten.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import torch  # noqa: E402

from mmvisarch.models.backbones.fbnetv3 import (FBNETV3_ARCHS, FBNetV3,  # noqa: E402
                                                convert_fbnetv3_classifier, official_state_dict)
from mmvisarch.utils import atomic_save  # noqa: E402


def expected_shapes(arch: str, num_classes: int = 1000) -> dict:
    with torch.device('meta'):
        backbone = FBNetV3(arch)
    shapes = {f'backbone.{k}': tuple(v.shape) for k, v in backbone.state_dict().items()}
    width = backbone.stage_channels[-1]
    shapes.update({'head.fc.weight': (num_classes, width), 'head.fc.bias': (num_classes, )})
    return shapes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (model.pth)')
    parser.add_argument('dst', help='output path (must not exist)')
    parser.add_argument('--arch', required=True, choices=sorted(FBNETV3_ARCHS),
                        help='FBNetV3 variant of the checkpoint')
    parser.add_argument('--num-classes', type=int, default=1000)
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        sys.exit(f'error: {args.dst} exists; choose a new output path.')
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    try:
        converted = convert_fbnetv3_classifier(official_state_dict(checkpoint))
    except KeyError as e:
        sys.exit(f'error: {args.src}: {e.args[0]}')
    want = expected_shapes(args.arch, args.num_classes)
    missing = [k for k in want if k not in converted]
    unexpected = [k for k in converted if k not in want]
    wrong = [f'{k}: {tuple(converted[k].shape)} != {want[k]}' for k in want
             if k in converted and tuple(converted[k].shape) != want[k]]
    if missing or unexpected or wrong:
        sys.exit(f'error: {args.src} is not an FBNetV3-{args.arch.upper()} checkpoint: '
                 f'missing {missing[:8]}, unexpected {unexpected[:8]}, shape mismatch {wrong[:8]}')
    atomic_save(dict(state_dict=converted, meta=dict(source=args.src, arch=args.arch)), args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
