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
"""
import copyreg
from typing import List

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
