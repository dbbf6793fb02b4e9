"""Supported versions of the libraries mmvisarch builds on, checked at import.

The ranges are those of ``setup.py``'s ``install_requires``: torch >= 2.6 (its
``weights_only`` loading, which :mod:`mmvisarch.utils.safe_load` adapts, and
the ``at::native::cpublas::brgemm`` of the compiled kernels), mmengine 0.10.x
and mmcv 2.0 / 2.1 (the mmcv range of mmdet 3.3, mmseg 1.2, mmpretrain 1.2 and
mmpose 1.3).
"""
import re
from typing import Dict, Optional, Tuple

#: package -> (lowest supported, first unsupported or None)
SUPPORTED: Dict[str, Tuple[str, Optional[str]]] = {
    'torch': ('2.6', None),
    'mmengine': ('0.10.0', '1.0.0'),
    'mmcv': ('2.0.0', '2.2.0'),
}


def _parse(version: str) -> Tuple[int, ...]:
    """``'2.14.1+cpu'`` -> ``(2, 14, 1)``; pre-release tags are ignored."""
    return tuple(int(part) for part in re.findall(r'\d+', version.split('+')[0])[:3])


def supported_range(package: str) -> str:
    low, high = SUPPORTED[package]
    return f'>={low}' + (f',<{high}' if high else '')


def check_version(package: str, installed: str) -> None:
    """Raise ``ImportError`` naming the installed and the supported version.

    Raises:
        ImportError: ``installed`` is outside :data:`SUPPORTED` ``[package]``.
    """
    low, high = SUPPORTED[package]
    version = _parse(installed)
    if version < _parse(low) or (high is not None and version >= _parse(high)):
        raise ImportError(
            f'mmvisarch supports {package}{supported_range(package)}, but {package} '
            f'{installed} is installed; install a supported version, e.g. '
            f'`pip install "{package}{supported_range(package)}"`.')


def check_versions() -> None:
    """Check torch, mmengine and mmcv (imported by name, their ``__version__``)."""
    import mmcv
    import mmengine
    import torch
    for module in (torch, mmengine, mmcv):
        check_version(module.__name__, module.__version__)


def register_config_package() -> None:
    """Let mmengine resolve ``mmvisarch::`` config paths.

    mmengine only accepts ``pkg::path`` for the packages of its
    ``MODULE2PACKAGE`` table (module name -> pip package name), so the entry is
    added here; it takes effect once ``mmvisarch`` is imported, i.e. before the
    config is read (our tools and ``mim train mmvisarch`` do so).
    """
    from mmengine.config import utils
    utils.MODULE2PACKAGE.setdefault('mmvisarch', 'mmvisarch')
