"""mmvisarch: efficient and scalable vision architectures for OpenMMLab.

Importing the package is light (torch, mmengine, mmcv only). It also makes
mmengine checkpoints loadable under torch >= 2.6, whose ``torch.load``
defaults to ``weights_only=True``: the few plain-data types mmengine writes
into a checkpoint's ``meta`` are allow-listed; nothing else is, so a
checkpoint from the internet still cannot run code.
"""
from .utils.safe_load import register_safe_checkpoint_types
from .version import __version__

register_safe_checkpoint_types()

__all__ = ['__version__']
