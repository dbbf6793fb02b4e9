"""CIFAR-10 python-pickle batches in ``cifar_toy/cifar-10-batches-py/``.

The layout mmpretrain's ``CIFAR10`` reads (``data_batch_1..5``, ``test_batch``,
``batches.meta``; each batch a latin1 pickle of ``{'data': uint8 (N, 3072) in
CHW order, 'labels': [...]}``), filled with 32x32 single-shape scenes whose
label is the shape (the first five CIFAR-10 label ids). mmpretrain checks the
md5 of the real files and tries to download on a mismatch, so toy configs use
:class:`ToyCIFAR10`, the same reader without the md5 check
(``custom_imports=dict(imports=['mmvisarch.datasets.toy.formats.cifar'])``).
"""
import os
import os.path as osp
import pickle

import numpy as np

from mmvisarch.utils import atomic_write
from .. import SHAPE_CLASSES, register_generator, render_scene
from ._io import split_rng

CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
                   'ship', 'truck')
IMAGES_PER_BATCH = dict(train=24, test=40)
NUM_TRAIN_BATCHES = 5


def _batch(rng: np.random.Generator, num: int) -> dict:
    data, labels = [], []
    while len(labels) < num:
        image, instances = render_scene(rng, 32, 32, num_classes=len(SHAPE_CLASSES),
                                        max_objects=1, min_size=0.3, max_size=0.45)
        if len(instances) != 1:
            continue
        data.append(image.transpose(2, 0, 1).reshape(-1))  # HWC -> CHW, flattened
        labels.append(instances[0].label)
    return {'data': np.stack(data).astype(np.uint8), 'labels': labels}


def _dump(obj, path: str) -> None:
    def write(tmp: str) -> None:
        with open(tmp, 'wb') as f:
            pickle.dump(obj, f)
    atomic_write(path, write)


@register_generator('cifar')
def make_cifar(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'cifar_toy', 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    rng = split_rng(seed, 'cifar', 'train')
    for i in range(1, NUM_TRAIN_BATCHES + 1):
        _dump(_batch(rng, IMAGES_PER_BATCH['train']), osp.join(folder, f'data_batch_{i}'))
    _dump(_batch(split_rng(seed, 'cifar', 'test'), IMAGES_PER_BATCH['test']),
          osp.join(folder, 'test_batch'))
    _dump({'label_names': list(CIFAR10_CLASSES), 'num_cases_per_batch': IMAGES_PER_BATCH['train']},
          osp.join(folder, 'batches.meta'))
    return osp.dirname(folder)


try:  # the reader, registered only where mmpretrain is installed
    from mmpretrain.datasets import CIFAR10

    from mmvisarch.registry import DATASETS

    @DATASETS.register_module()
    class ToyCIFAR10(CIFAR10):
        """mmpretrain's CIFAR10 reader without the md5 check of the real files."""
        train_list = [[f'data_batch_{i}', None] for i in range(1, NUM_TRAIN_BATCHES + 1)]
        test_list = [['test_batch', None]]
        meta = dict(filename='batches.meta', key='label_names', md5=None)

        def __init__(self, *args, download: bool = False, **kwargs) -> None:
            super().__init__(*args, download=download, **kwargs)
except ImportError:  # pragma: no cover
    pass
