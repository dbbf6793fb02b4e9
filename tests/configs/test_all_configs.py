"""Every config in configs/ loads and builds its model with no missing type.

One test for all families (it replaces the per-family build test of
configs/convnext). Models are built on the meta device (no memory, no init),
so even ConvNeXt-XL Cascade Mask R-CNN costs only its construction. For each
config: the model builds in its host scope (backbone checkpoints not loaded),
the neck / heads' input widths agree with the backbone's ``out_channels``, and
every pipeline transform, scheduler, hook and optimizer-wrapper constructor
names a registered type; our layer-decay constructor must accept the
``paramwise_cfg`` on the built model (``num_layers`` large enough for the
depths). A config whose host library is not installed is skipped.
"""
import glob
import importlib
import importlib.util
import os
import os.path as osp

import pytest
import torch

from tests.conftest import REPO_ROOT

CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
                 if f'{osp.sep}_base_{osp.sep}' not in p)
OUR_CONSTRUCTOR = 'mmvisarch.LayerDecayOptimWrapperConstructor'


def test_there_are_configs_for_every_family():
    """Each family folder under configs/ (all but _base_) holds configs, and they are collected."""
    families = {d for d in os.listdir(CONFIG_ROOT)
                if osp.isdir(osp.join(CONFIG_ROOT, d)) and d != '_base_'}
    assert {'convnext', 'slak', 'pruning', 'adpc'} <= families
    found = {osp.relpath(p, CONFIG_ROOT).split(osp.sep)[0] for p in CONFIGS}
    assert found == families, f'families without configs: {sorted(families - found)}'


def _registered(registry, name: str) -> bool:
    """Whether ``name`` resolves from the current default (host) scope."""
    with registry.switch_scope_and_registry(None) as scoped:
        return scoped.get(name) is not None


def _transforms(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        while 'dataset' in dataset and 'pipeline' not in dataset:  # RepeatDataset & co.
            dataset = dataset['dataset']
        yield from dataset.get('pipeline', []) or []
    yield from cfg.get('tta_pipeline', []) or []


def _check_transform(registry, transform: dict) -> None:
    assert _registered(registry, transform['type']), transform['type']
    for value in transform.values():  # RandomChoice / TestTimeAug nest transforms
        if isinstance(value, (list, tuple)):
            for item in value:
                for inner in (item if isinstance(item, (list, tuple)) else [item]):
                    if isinstance(inner, dict) and 'type' in inner:
                        _check_transform(registry, inner)


def _check_widths(cfg_model, backbone) -> None:
    channels = list(getattr(backbone, 'out_channels', None) or [])
    if not channels:
        return
    neck = cfg_model.get('neck') or {}
    if isinstance(neck, dict) and isinstance(neck.get('in_channels'), (list, tuple)):
        assert list(neck['in_channels']) == channels, 'neck.in_channels'
    head = cfg_model.get('decode_head') or {}
    if isinstance(head, dict) and isinstance(head.get('in_channels'), (list, tuple)) \
            and len(head['in_channels']) == len(channels):
        assert list(head['in_channels']) == channels, 'decode_head.in_channels'
    head = cfg_model.get('head') or {}
    if isinstance(head, dict) and isinstance(head.get('in_channels'), int) and not neck:
        assert head['in_channels'] == channels[-1], 'head.in_channels'


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
        model_cfg = cfg.model.copy()
        if isinstance(model_cfg.get('backbone'), dict):
            model_cfg.backbone.init_cfg = None
        with torch.device('meta'):
            model = registry.MODELS.build(model_cfg)
        assert isinstance(model, torch.nn.Module)
        backbone = getattr(model, 'backbone', None)
        if backbone is not None:
            _check_widths(cfg.model, backbone)
        for transform in _transforms(cfg):
            _check_transform(registry.TRANSFORMS, transform)
        if 'tta_model' in cfg:
            assert _registered(registry.MODELS, cfg.tta_model.type), cfg.tta_model.type
        optim = cfg.get('optim_wrapper', {}) or {}
        constructor = optim.get('constructor')
        if constructor:
            assert _registered(registry.OPTIM_WRAPPER_CONSTRUCTORS, constructor), constructor
        if constructor == OUR_CONSTRUCTOR:
            from mmvisarch.engine.optimizers import LayerDecayOptimWrapperConstructor
            ids = LayerDecayOptimWrapperConstructor(
                dict(optimizer=optim.optimizer), optim.paramwise_cfg).layer_ids(model)
            assert max(ids.values()) == optim.paramwise_cfg.num_layers + 1
        schedulers = cfg.get('param_scheduler') or []
        for scheduler in [schedulers] if isinstance(schedulers, dict) else schedulers:
            assert _registered(registry.PARAM_SCHEDULERS, scheduler['type']), scheduler['type']
        for hook in cfg.get('custom_hooks', []) or []:
            assert _registered(registry.HOOKS, hook['type']), hook['type']
