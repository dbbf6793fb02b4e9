"""Deterministic generators of small synthetic datasets in the real formats.

``GENERATORS`` maps a dataset name to ``fn(root: str, seed: int) -> str`` that
writes the dataset under ``root`` and returns its folder; the CLI
``tools/dataset_converters/make_toy_data.py`` runs them all.
"""
from typing import Callable, Dict

from .scenes import SHAPE_CLASSES, Instance, render_scene, semantic_map

GENERATORS: Dict[str, Callable[[str, int], str]] = {}


def register_generator(name: str):
    def wrap(fn):
        GENERATORS[name] = fn
        return fn
    return wrap


from . import formats  # noqa: E402,F401  (registers the generators)

__all__ = ['GENERATORS', 'register_generator', 'render_scene', 'semantic_map', 'Instance',
           'SHAPE_CLASSES']
