"""COCO instances in ``coco_toy/``, as mmdet's CocoDataset reads it.

Fully visible shapes are annotated with their polygon, partly covered ones with
an RLE mask of their visible pixels, as COCO annotates what can be seen.
"""
import os.path as osp

import numpy as np
from pycocotools import mask as mask_utils

from .. import SHAPE_CLASSES, register_generator, render_scene
from ._io import save_image, save_json, split_rng

CLASSES = SHAPE_CLASSES[:3]
SPLITS = dict(train2017=160, val2017=40)
IMAGE_SIZE = (128, 128)  # H, W


def _rle(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=list(rle['size']), counts=rle['counts'].decode('ascii'))


@register_generator('coco')
def make_coco(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'coco_toy')
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'coco', split)
        images, annotations = [], []
        for image_id in range(1, count + 1):
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=len(CLASSES))
            name = f'{image_id:012d}.jpg'
            save_image(image, osp.join(folder, split, name))
            images.append(dict(id=image_id, file_name=name, height=IMAGE_SIZE[0],
                               width=IMAGE_SIZE[1]))
            for inst in instances:
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=image_id, category_id=inst.label + 1,
                    segmentation=_rle(inst.mask) if inst.occluded else [inst.polygon],
                    area=float(inst.mask.sum()),
                    bbox=list(inst.bbox), iscrowd=0))
        categories = [dict(id=i + 1, name=name, supercategory='shape')
                      for i, name in enumerate(CLASSES)]
        save_json(dict(images=images, annotations=annotations, categories=categories,
                       info=dict(description='mmvisarch toy COCO'), licenses=[]),
                  osp.join(folder, 'annotations', f'instances_{split}.json'))
    return folder
