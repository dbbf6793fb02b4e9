"""Cityscapes layout in ``cityscapes_toy/``: ``leftImg8bit/{train,val}/<city>/*_leftImg8bit.png``
and ``gtFine/.../*_gtFine_labelTrainIds.png`` with the 19 real train ids (255 = ignore)."""
import os.path as osp

import numpy as np

from .. import register_generator, render_scene
from ._io import save_image, split_rng

# background -> road, shapes -> car, person, traffic sign (Cityscapes train ids)
TRAIN_IDS = np.array([0, 13, 11, 7], dtype=np.uint8)
SPLITS = dict(train=60, val=16)
IMAGE_SIZE = (128, 256)


@register_generator('cityscapes')
def make_cityscapes(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'cityscapes_toy')
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'cityscapes', split)
        city = 'toycity' if split == 'train' else 'toyval'
        for index in range(count):
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=3, max_objects=4)
            label = np.full(IMAGE_SIZE, TRAIN_IDS[0], dtype=np.uint8)
            for inst in instances:
                label[inst.mask] = TRAIN_IDS[inst.label + 1]
            label[:2] = 255  # an ignored strip, as the real ego-vehicle/border pixels
            stem = f'{city}_{index:06d}_000019'
            save_image(image, osp.join(folder, 'leftImg8bit', split, city,
                                       stem + '_leftImg8bit.png'))
            save_image(label, osp.join(folder, 'gtFine', split, city,
                                       stem + '_gtFine_labelTrainIds.png'))
    return folder
