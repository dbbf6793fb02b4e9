"""ADE20K layout in ``ade_toy/``: ``images/{training,validation}/*.jpg`` and
``annotations/.../*.png`` where 0 is "other" (ignored by ``reduce_zero_label``),
1 is background and 2.. are the shapes."""
import os.path as osp

from .. import SHAPE_CLASSES, register_generator, render_scene, semantic_map
from ._io import save_image, split_rng

CLASSES = ('background',) + SHAPE_CLASSES[:3]
SPLITS = dict(training=120, validation=30)
IMAGE_SIZE = (96, 128)


@register_generator('ade20k')
def make_ade20k(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'ade_toy')
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'ade20k', split)
        prefix = 'ADE_train' if split == 'training' else 'ADE_val'
        for index in range(1, count + 1):
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=len(CLASSES) - 1)
            label = semantic_map(instances, *IMAGE_SIZE, background=1, offset=2)
            name = f'{prefix}_{index:08d}'
            save_image(image, osp.join(folder, 'images', split, name + '.jpg'))
            save_image(label, osp.join(folder, 'annotations', split, name + '.png'))
    return folder
