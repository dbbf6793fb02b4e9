from .norm import LayerNorm2d
from .large_kernel import DepthwiseConv2d, LargeKernelConv  # noqa: F401
from .rbf import rbf_interpolate  # noqa: F401  (ADP-C, Eq. 2.4-2.6)

__all__ = [
    'LayerNorm2d',
    'DepthwiseConv2d',
    'LargeKernelConv',
    'rbf_interpolate',
]
