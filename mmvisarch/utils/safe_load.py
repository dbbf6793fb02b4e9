"""Make mmengine checkpoints loadable with torch's ``weights_only=True``.

torch >= 2.6 loads with ``weights_only=True``. mmengine stores its message hub
(``HistoryBuffer`` objects holding numpy arrays) and numpy scalars in a
checkpoint's ``meta``, so ``--resume`` and ``load_checkpoint`` fail. Two
changes fix it without ever turning ``weights_only`` off:

1. The plain-data types mmengine writes are allow-listed. None of them can call
   arbitrary code while unpickling.
2. ``HistoryBuffer`` is pickled from its data alone. mmengine's own pickling
   also stores the class-level statistics functions, which pickle protocol 2
   writes as ``getattr(HistoryBuffer, 'min')`` calls; allow-listing ``getattr``
   would let a checkpoint call any method, so checkpoints written with
   mmvisarch imported simply do not contain it.

:func:`load_checkpoint_safely` is the one way our tools read a checkpoint: a
truncated or damaged file is reported as corrupted (never as "untrusted"), and
an intact file the safe load refuses is described (e.g. a checkpoint of plain
mmengine) with the explicit opt-in, ``--trust-checkpoint``; no message suggests
allow-listing a callable.
"""
import copyreg
import os.path as osp
import pickle
import re
import zipfile
from typing import List, Optional

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    types: List[object] = [_reconstruct, scalar, np.ndarray, np.dtype]
    dtypes = getattr(np, 'dtypes', None)  # array dtypes pickle as their class (numpy >= 1.25)
    if dtypes is not None:
        types += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    types += [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
              np.uint32, np.uint64, np.float16, np.float32, np.float64]
    return types


def _reduce_history_buffer(buffer):
    return type(buffer), (buffer._log_history, buffer._count_history, buffer.max_length)


def safe_checkpoint_types() -> List[object]:
    """The globals a checkpoint written by mmengine's Runner may reference, and
    ``argparse.Namespace`` (the ``args`` of official ConvNeXt/SLaK training
    checkpoints; unpickling it only sets attributes)."""
    import argparse

    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, argparse.Namespace, *_numpy_globals()]


def register_safe_checkpoint_types() -> None:
    """Allow-list :func:`safe_checkpoint_types` and pickle ``HistoryBuffer`` as data."""
    from mmengine.logging import HistoryBuffer
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 loads without an allow-list
        add_safe_globals(safe_checkpoint_types())


# --------------------------------------------------------------------------------------------
# Reading checkpoints: the safe load, and errors that say what the file is.

class CheckpointError(ValueError):
    """A checkpoint file could not be loaded; the message says why and what to do."""


class CorruptedCheckpointError(CheckpointError):
    """The file is truncated or damaged (e.g. a kill during its save)."""


class UntrustedCheckpointError(CheckpointError):
    """The file is intact but holds objects the safe load refuses (they could run code)."""


#: The opt-in the command-line tools offer for a checkpoint the safe load refuses.
TRUST_HINT = 'pass --trust-checkpoint'

_ZIP_MAGIC = b'PK\x03\x04'


def checkpoint_damage(path: str, full: bool = True) -> Optional[str]:
    """Why ``path`` is not an intact checkpoint file, or None when it looks intact.

    Checks what can be checked without unpickling: the file is not empty, a
    zip checkpoint (torch >= 1.6) has its central directory (a truncated file
    has none) and, with ``full``, every record passes its CRC. Files in
    torch's legacy (non-zip) format cannot be checked this way and pass.
    """
    size = osp.getsize(path)
    if size == 0:
        return 'the file is empty (0 bytes)'
    with open(path, 'rb') as f:
        head = f.read(4)
    if not zipfile.is_zipfile(path):
        if head == _ZIP_MAGIC:
            return (f'the zip archive has no central directory, i.e. the file is truncated '
                    f'({size} bytes)')
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            if full:
                bad = zf.testzip()
                if bad is not None:
                    return f'record {bad!r} fails its CRC check'
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        return f'the zip archive is damaged ({type(e).__name__}: {e})'
    return None


def _pickle_bytes(path: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as zf:
            name = next((n for n in zf.namelist() if n.endswith('data.pkl')), None)
            return zf.read(name) if name else b''
    except Exception:  # legacy format or unreadable: nothing to inspect
        return b''


def describe_refused_checkpoint(path: str, error: BaseException,
                                trust_hint: str = TRUST_HINT) -> str:
    """The message for an intact checkpoint that ``weights_only=True`` refused."""
    match = re.search(r'GLOBAL ([\w.]+)', str(error))
    refused = match.group(1) if match else None
    data = _pickle_bytes(path)
    if b'HistoryBuffer' in data and (refused in (None, 'builtins.getattr') or b'getattr' in data):
        what = (f'{path} is a checkpoint written by mmengine without mmvisarch imported: its '
                f'message hub stores HistoryBuffer statistics as `getattr` calls, and the safe '
                f'load (weights_only=True) refuses any such call because it could run code. '
                f'The file is not damaged.')
    else:
        found = f'`{refused}`' if refused else 'a Python object'
        what = (f'{path} holds Python objects beyond tensors and plain data (the safe load, '
                f'weights_only=True, refused {found}); unpickling it could run code.')
    return (f'{what} If you made the file or trust its source, {trust_hint} to load it with '
            f'full unpickling. A checkpoint saved again with mmvisarch imported (e.g. by '
            f'training on from it) loads safely.')


def load_checkpoint_safely(path: str, map_location='cpu', trusted: bool = False,
                           trust_hint: str = TRUST_HINT):
    """``torch.load`` with ``weights_only=True`` (full unpickling only when ``trusted``).

    Raises:
        FileNotFoundError: ``path`` is not a file.
        CorruptedCheckpointError: the file is truncated or damaged; the message
            never suggests the unsafe load, which cannot repair it.
        UntrustedCheckpointError: the file is intact but the safe load refused
            an object in it; the message says what the file is and names the
            explicit opt-in (``trust_hint``).
    """
    path = osp.expanduser(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist.')
    damage = checkpoint_damage(path, full=False)
    if damage is not None:
        raise CorruptedCheckpointError(_corrupted(path, damage))
    try:
        return torch.load(path, map_location=map_location, weights_only=not trusted)
    except Exception as e:  # noqa: BLE001 (re-raised with a diagnosis)
        damage = checkpoint_damage(path, full=True)
        if damage is not None:
            raise CorruptedCheckpointError(_corrupted(path, damage)) from None
        if isinstance(e, pickle.UnpicklingError) and 'weights only' in str(e).lower():
            raise UntrustedCheckpointError(describe_refused_checkpoint(path, e, trust_hint)) \
                from None
        if isinstance(e, (EOFError, KeyError, pickle.UnpicklingError, RuntimeError,
                          zipfile.BadZipFile)):
            first = str(e).splitlines()[0] if str(e) else ''
            raise CorruptedCheckpointError(_corrupted(
                path, f'it does not read as a PyTorch checkpoint ({type(e).__name__}: '
                      f'{first[:200]})')) from None
        raise


def _corrupted(path: str, reason: str) -> str:
    return (f'checkpoint {path!r} is corrupted: {reason}. A truncated or damaged file (e.g. '
            f'from a kill or a full disk during its save, or an incomplete download) cannot be '
            f'loaded in any mode; use an intact copy or another checkpoint (`--resume` without '
            f'a path picks the newest intact checkpoint of the work dir).')


def route_checkpoint(path: str, trusted: bool = False, trust_hint: str = TRUST_HINT) -> str:
    """Make mmengine's checkpoint loading read ``path`` through :func:`load_checkpoint_safely`.

    Registers a loader for exactly this file with mmengine's ``CheckpointLoader``
    (its public ``register_scheme``), so ``Runner.load_checkpoint`` / ``resume``
    give the messages above, and ``trusted`` applies to this one file only.
    Returns the absolute path, which is what the caller should hand to mmengine.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    abspath = osp.abspath(osp.expanduser(path))

    def _load(filename, map_location=None):
        return load_checkpoint_safely(filename, map_location, trusted, trust_hint)

    CheckpointLoader.register_scheme(prefixes=re.escape(abspath) + '$', loader=_load, force=True)
    return abspath
