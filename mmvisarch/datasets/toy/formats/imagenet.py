"""ImageNet-style class folders in ``imagenet_toy/{train,val}/<class>/*.png``
(mmpretrain's CustomDataset), one centred shape per image."""
import os.path as osp

from .. import SHAPE_CLASSES, register_generator, render_scene
from ._io import save_image, split_rng

CLASSES = SHAPE_CLASSES[:3]
SPLITS = dict(train=60, val=20)  # images per class
IMAGE_SIZE = (64, 64)


@register_generator('imagenet')
def make_imagenet(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'imagenet_toy')
    for split, per_class in SPLITS.items():
        rng = split_rng(seed, 'imagenet', split)
        counts = {name: 0 for name in CLASSES}
        while min(counts.values()) < per_class:
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=len(CLASSES),
                                            max_objects=1, min_size=0.35, max_size=0.6)
            if len(instances) != 1:
                continue
            name = CLASSES[instances[0].label]
            if counts[name] >= per_class:
                continue
            save_image(image, osp.join(folder, split, name, f'{counts[name]:05d}.png'))
            counts[name] += 1
    return folder
