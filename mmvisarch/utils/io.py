"""File reading that runs no code, and file writing that never loses a user's data."""
import json
import os
import os.path as osp
import tempfile
from typing import Any, Callable

import torch

#: Extensions :func:`load_data_file` reads; anything else (pickle, ...) is refused.
DATA_FILE_EXTENSIONS = ('.json', '.yaml', '.yml')


def load_data_file(path: str) -> Any:
    """Read a JSON or YAML file as plain data; nothing in it can run code.

    JSON goes through :mod:`json`, YAML through ``yaml.safe_load`` (which builds
    no Python objects, unlike ``mmengine.load``'s full loader); pickles and any
    other format are refused.

    Raises:
        ValueError: for another extension, an empty file, or a file that does not parse;
            the message names the file.
    """
    ext = osp.splitext(path)[1].lower()
    if ext not in DATA_FILE_EXTENSIONS:
        raise ValueError(f'{path}: only data files {list(DATA_FILE_EXTENSIONS)} are read here '
                         f'(pickles and other formats can run code); got {ext or "no extension"!r}.')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if not text.strip():
        raise ValueError(f'{path} is empty; expected a {ext[1:].upper()} document.')
    if ext == '.json':
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path} is not valid JSON: {e}.') from None
    import yaml
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(f'{path} is not plain-data YAML (tags such as !!python/... are '
                         f'refused): {e}') from None


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
