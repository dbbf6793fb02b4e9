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


def _umask() -> int:
    try:  # Linux: read it without changing it
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_path(path: str) -> None:
    """Flush a file's (or a folder's) data to disk."""
    flags = os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) if osp.isdir(path) else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:  # e.g. folders on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, write: Callable[[str], object]) -> str:
    """Call ``write(tmp_path)``, fsync, then rename the temporary file onto ``path``.

    A reader never sees a half-written file, a failed or killed write leaves
    any existing ``path`` untouched (only a hidden ``.NAME.*.tmp`` file), and
    the file gets the permissions a plain ``open`` would give (``0666 & ~umask``,
    i.e. 0644 usually; an existing file's mode is kept).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(path), suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        mode = (os.stat(path).st_mode & 0o7777) if osp.exists(path) else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(folder)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def check_overwrite(path: str, force: bool = False, option: str = '--force') -> str:
    """Refuse an existing output ``path`` unless ``force``; returns ``path``.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is False.
    """
    if osp.exists(path) and not force:
        raise FileExistsError(f'{path} exists; refusing to overwrite it (choose another '
                              f'output path, or pass {option} to replace it).')
    return path


def atomic_write_text(text: str, path: str) -> str:
    """Write ``text`` to ``path`` through :func:`atomic_write`."""
    def write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
    return atomic_write(path, write)


def atomic_save(obj, path: str, overwrite: bool = False) -> str:
    """``torch.save`` through :func:`atomic_write`; an existing file is kept unless ``overwrite``.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    if osp.exists(path) and not overwrite:
        raise FileExistsError(f'{path} exists; refusing to overwrite it (choose another '
                              f'output path, or pass overwrite/--force to replace it).')
    return atomic_write(path, lambda tmp: torch.save(obj, tmp))
