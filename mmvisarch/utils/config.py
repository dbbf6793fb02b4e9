"""Loading configs for the command-line tools (and for scripts of a user's project)."""
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config

SCOPE = 'mmvisarch'


def drop_package_scope(node: Any, scope: str = SCOPE) -> Any:
    """Remove the ``_scope_=scope`` mmengine adds to what a ``scope::`` base defines.

    mmengine tags each dict with a ``type`` that a ``mmvisarch::`` base defines
    without a scope of its own with ``_scope_='mmvisarch'``, so the type would
    be looked up in our registries. Our configs name their own types with the
    ``mmvisarch.`` prefix and leave every other type (datasets, transforms,
    schedulers of the host) to the config's ``default_scope``; dropping the tag
    gives the config the meaning it has when read from the repository.
    Dicts that a host base scoped (``_scope_='mmdet'``, ...) keep their scope.
    """
    if isinstance(node, dict):
        if node.get('_scope_') == scope:
            del node['_scope_']
        for value in node.values():
            drop_package_scope(value, scope)
    elif isinstance(node, (list, tuple)):
        for value in node:
            drop_package_scope(value, scope)
    return node


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile`` with a clear error for a missing file, then ``--cfg-options``.

    Also accepts configs that inherit ours as ``_base_ = 'mmvisarch::...'``
    (see :func:`drop_package_scope`).

    Raises:
        FileNotFoundError: ``path`` is not a file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist.')
    import mmvisarch  # noqa: F401  (registers the ``mmvisarch::`` config package)
    cfg = Config.fromfile(path)
    drop_package_scope(cfg._cfg_dict)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg
