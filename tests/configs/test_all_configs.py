"""Every config in configs/ loads and builds its model with no missing type.

Models are built on the meta device (no memory, no init), so even ConvNeXt-XL
Cascade Mask R-CNN costs only its construction. Hooks and optimizer-wrapper
constructors named by a config must resolve too. A config whose host library
is not installed is skipped with the reason.
"""
import glob
import importlib
import importlib.util
import os.path as osp

import pytest
import torch

from tests.conftest import REPO_ROOT

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
                 if f'{osp.sep}_base_{osp.sep}' not in p)


def test_there_are_configs_for_every_family():
    families = {osp.relpath(p, osp.join(REPO_ROOT, 'configs')).split(osp.sep)[0] for p in CONFIGS}
    assert {'convnext'} <= families


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_builds(path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmengine')
    if importlib.util.find_spec(scope) is None:
        pytest.skip(f'{scope} is not installed')
    registry = importlib.import_module(f'{scope}.registry')
    with DefaultScope.overwrite_default_scope(scope):
        with torch.device('meta'):
            model = registry.MODELS.build(cfg.model)
        assert isinstance(model, torch.nn.Module)
        constructor = cfg.get('optim_wrapper', {}).get('constructor')
        if constructor:
            assert registry.OPTIM_WRAPPER_CONSTRUCTORS.get(constructor) is not None, constructor
        for hook in cfg.get('custom_hooks', []) or []:
            assert registry.HOOKS.get(hook['type']) is not None, hook['type']
