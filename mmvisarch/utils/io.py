"""File writing that never loses a user's data."""
import os
import os.path as osp
import tempfile
from typing import Callable

import torch


def atomic_write(path: str, write: Callable[[str], object]) -> str:
    """Call ``write(tmp_path)``, then move the temporary file onto ``path``.

    A reader never sees a half-written file, and a failed write leaves any
    existing ``path`` untouched.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(path), suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def atomic_save(obj, path: str, overwrite: bool = False) -> str:
    """``torch.save`` through :func:`atomic_write`; an existing file is kept unless ``overwrite``.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    if osp.exists(path) and not overwrite:
        raise FileExistsError(f'{path} exists; refusing to overwrite it (choose another '
                              f'output path, or pass overwrite/--force to replace it).')
    return atomic_write(path, lambda tmp: torch.save(obj, tmp))
