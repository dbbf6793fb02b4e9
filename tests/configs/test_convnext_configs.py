"""Every ConvNeXt config (configs/convnext, roadmap included, toy excluded) builds.

For each config: the model builds in its host scope (on the meta device, no
checkpoint loaded), the heads' input widths agree with the backbone,
every pipeline transform, the optimizer-wrapper constructor and the schedulers
and hooks name registered types, and the layer-decay settings fit the depths.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import (HOOKS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS,
                               TRANSFORMS, init_default_scope)

from tests.conftest import REPO_ROOT

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'convnext')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
                 if f'{osp.sep}toy{osp.sep}' not in p)


def registered(registry, name: str) -> bool:
    """Whether ``name`` resolves from the current default (host) scope."""
    with registry.switch_scope_and_registry(None) as scoped:
        return scoped.get(name) is not None


def pipelines(cfg: Config):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            dataset = loader.dataset
            yield from dataset.get('pipeline', [])
    yield from cfg.get('tta_pipeline', [])


def check_transform(transform: dict) -> None:
    assert registered(TRANSFORMS, transform['type']), transform['type']
    for value in transform.values():  # RandomChoice / TestTimeAug nest transforms
        if isinstance(value, (list, tuple)):
            for item in value:
                for inner in (item if isinstance(item, (list, tuple)) else [item]):
                    if isinstance(inner, dict) and 'type' in inner:
                        check_transform(inner)


def test_all_configs_found():
    assert len(CONFIGS) >= 60


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, CONFIG_DIR) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    model_cfg = cfg.model.copy()
    model_cfg.backbone.init_cfg = None
    with torch.device('meta'):
        model = MODELS.build(model_cfg)
    backbone = model.backbone
    assert type(backbone).__module__.startswith('mmvisarch.'), cfg.model.backbone.type
    channels = list(backbone.out_channels)
    if 'neck' in cfg.model and 'in_channels' in cfg.model.neck:
        assert list(cfg.model.neck.in_channels) == channels
    if 'decode_head' in cfg.model:
        assert list(cfg.model.decode_head.in_channels) == channels
        assert cfg.model.auxiliary_head.in_channels == channels[2]
    if 'head' in cfg.model:
        assert cfg.model.head.in_channels == channels[-1]

    for transform in pipelines(cfg):
        check_transform(transform)
    if 'tta_model' in cfg:
        assert registered(MODELS, cfg.tta_model.type)
    optim = cfg.optim_wrapper
    if 'constructor' in optim:
        assert registered(OPTIM_WRAPPER_CONSTRUCTORS, optim.constructor)
    paramwise = optim.get('paramwise_cfg') or {}
    if 'decay_rate' in paramwise and hasattr(backbone, 'get_layer_depth'):
        for name, _ in backbone.named_parameters():  # raises if num_layers is too small
            depth = backbone.get_layer_depth(name, paramwise.num_layers, paramwise.decay_type)
            assert 0 <= depth <= paramwise.num_layers + 1
    for scheduler in cfg.get('param_scheduler') or []:
        assert registered(PARAM_SCHEDULERS, scheduler['type'])
    for hook in cfg.get('custom_hooks') or []:
        assert registered(HOOKS, hook['type'])
    init = cfg.model.backbone.get('init_cfg')
    if init and init.get('type') == 'Pretrained':
        assert init.checkpoint.startswith('https://dl.fbaipublicfiles.com/convnext/')


def test_metafile_lists_every_config():
    import yaml
    with open(osp.join(CONFIG_DIR, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    listed = {m['Config'] for m in meta['Models']}
    assert listed == {osp.relpath(p, REPO_ROOT) for p in CONFIGS}
    collections = {c['Name'] for c in meta['Collections']}
    for model in meta['Models']:
        assert model['In Collection'] in collections
        assert model['Metadata']['FLOPs'] > 0
