"""mmvisarch: efficient and scalable vision architectures for OpenMMLab.

Importing the package is light (torch, mmengine, mmcv only). It

* checks the installed torch / mmengine / mmcv against the supported ranges
  (:data:`SUPPORTED`) and says what is installed and what is supported;
* registers ``mmvisarch`` in mmengine's ``MODULE2PACKAGE``, so a config of a
  user's own project can inherit ours as ``_base_ = 'mmvisarch::family/x.py'``
  (mmengine reads it from ``mmvisarch/.mim/configs`` of the installed wheel);
* makes mmengine checkpoints loadable under torch >= 2.6, whose ``torch.load``
  defaults to ``weights_only=True``: the few plain-data types mmengine writes
  into a checkpoint's ``meta`` are allow-listed; nothing else is, so a
  checkpoint from the internet still cannot run code.
"""
from .utils.safe_load import register_safe_checkpoint_types
from .utils.versions import SUPPORTED, check_versions, register_config_package
from .version import __version__

check_versions()
register_config_package()
register_safe_checkpoint_types()

__all__ = ['__version__', 'SUPPORTED']
