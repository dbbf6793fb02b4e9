"""ADE20K layout in ``ade_toy/``: ``images/{training,validation}/*.jpg`` and
``annotations/.../*.png`` holding real ADE20K label ids (0 = "other", ignored by
``reduce_zero_label``; class k of the 150 is stored as k + 1), so the real
150-class metainfo applies unchanged."""
import os.path as osp

import numpy as np

from .. import register_generator, render_scene
from ._io import save_image, split_rng

# background -> wall, square -> box, circle -> ball, triangle -> signboard
ADE_CLASS_INDICES = np.array([0, 41, 119, 43], dtype=np.uint8)
SPLITS = dict(training=120, validation=30)
IMAGE_SIZE = (96, 128)


@register_generator('ade20k')
def make_ade20k(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'ade_toy')
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'ade20k', split)
        prefix = 'ADE_train' if split == 'training' else 'ADE_val'
        for index in range(1, count + 1):
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=3)
            label = np.full(IMAGE_SIZE, ADE_CLASS_INDICES[0] + 1, dtype=np.uint8)
            for inst in instances:
                label[inst.mask] = ADE_CLASS_INDICES[inst.label + 1] + 1
            name = f'{prefix}_{index:08d}'
            save_image(image, osp.join(folder, 'images', split, name + '.jpg'))
            save_image(label, osp.join(folder, 'annotations', split, name + '.png'))
    return folder
