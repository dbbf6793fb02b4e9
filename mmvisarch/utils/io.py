"""File writing that never loses a user's data."""
import os
import os.path as osp
import tempfile

import torch


def atomic_save(obj, path: str, overwrite: bool = False) -> str:
    """``torch.save`` to ``path`` through a temporary file and ``os.replace``.

    A reader never sees a half-written file, and an existing file is only
    replaced when ``overwrite`` is set.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    if osp.exists(path) and not overwrite:
        raise FileExistsError(f'{path} exists; refusing to overwrite it (choose another '
                              f'output path, or pass overwrite/--force to replace it).')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix='.pth')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return path
