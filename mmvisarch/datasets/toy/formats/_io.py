"""Small file helpers shared by the toy-data writers."""
import json
import os
import os.path as osp

import numpy as np
from PIL import Image

from mmvisarch.utils import atomic_write


def save_image(array: np.ndarray, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    kwargs = dict(quality=95) if path.endswith('.jpg') else {}
    Image.fromarray(array).save(path, **kwargs)


def save_json(obj, path: str) -> None:
    """Write JSON atomically (a reader never sees half a file)."""
    def write(tmp: str) -> None:
        with open(tmp, 'w') as f:
            json.dump(obj, f)
    atomic_write(path, write)


def split_rng(seed: int, name: str, split: str) -> np.random.Generator:
    """A generator per (dataset, split): splits never share images."""
    return np.random.default_rng([seed, sum(map(ord, name)), sum(map(ord, split))])
