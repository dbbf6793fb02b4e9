"""Optional compiled CPU kernels (``mmvisarch/csrc``) with pure-PyTorch fallbacks.

``make install`` (``pip install -e .``) builds ``mmvisarch._ext``, whose import
registers ``torch.ops.mmvisarch.sparse_conv`` and ``torch.ops.mmvisarch.rbf_fill``
(the masked convolutions of ADP-C, Sec. 2.4.4). Without it (no compiler at
install, ``MMVISARCH_WITH_OPS=0``, torch older than 2.6) everything still runs
on the PyTorch implementations, only slower. (mmcv's ``MaskedConv2d`` op has
CUDA/MLU/NPU kernels only and takes batch 1 at stride 1, hence these.) On x86-64 the kernels are compiled
for the installing machine's CPU (``-march=native``): rebuild them
(``pip install --no-build-isolation -e .``) after moving an environment to
another CPU model.
"""
import contextlib
from typing import Iterator

import torch

try:
    from mmvisarch import _ext  # noqa: F401
    AVAILABLE = True
except ImportError:
    AVAILABLE = False

_enabled = True


def fused_kernels_usable(*tensors: torch.Tensor, contiguous: bool = True) -> bool:
    """Whether the compiled kernels are built, enabled and take ``tensors``.

    They take float32 CPU tensors, contiguous unless ``contiguous=False``
    (the question is then whether they will run once the data is laid out).
    """
    return AVAILABLE and _enabled and all(
        t.device.type == 'cpu' and t.dtype == torch.float32 and
        (t.is_contiguous() or not contiguous) for t in tensors)


@contextlib.contextmanager
def fused_kernels(enabled: bool) -> Iterator[None]:
    """Temporarily enable or disable the compiled kernels (benchmarks, tests)."""
    global _enabled
    previous, _enabled = _enabled, enabled
    try:
        yield
    finally:
        _enabled = previous
