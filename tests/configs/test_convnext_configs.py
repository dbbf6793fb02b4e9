"""ConvNeXt configs (configs/convnext, roadmap included, toy excluded): all found, our
backbone with the official weights, listed in the metafile. That each builds, with
heads that fit and registered types, is tests/configs/test_all_configs.py.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'convnext')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
                 if f'{osp.sep}toy{osp.sep}' not in p)


def test_all_configs_found():
    assert len(CONFIGS) >= 60


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, CONFIG_DIR) for p in CONFIGS])
def test_backbone_is_ours_with_official_weights(path):
    """What only ConvNeXt configs promise; the build itself is tests/configs/test_all_configs.py."""
    cfg = Config.fromfile(path)
    assert cfg.model.backbone.type.startswith('mmvisarch.'), cfg.model.backbone.type
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
