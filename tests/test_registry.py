"""The mmvisarch scope is reachable from every host registry, and errors name the type."""
import importlib

import pytest

CFG = dict(type='mmvisarch.ConvNeXt', arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32]))


@pytest.mark.parametrize('host', ['mmdet', 'mmseg', 'mmpretrain', 'mmpose'])
def test_each_host_registry_builds_the_backbone(host):
    registry = importlib.import_module(f'{host}.registry')
    from mmengine.registry import DefaultScope
    from mmvisarch.models import ConvNeXt
    with DefaultScope.overwrite_default_scope(host):
        model = registry.MODELS.build(dict(CFG))
    assert type(model) is ConvNeXt
    assert model.out_channels == (8, 16, 24, 32)


def test_import_mmvisarch_does_not_import_host_libraries():
    import subprocess
    import sys
    code = ('import sys, mmvisarch, mmvisarch.models; '
            'hosts = [m for m in ("mmdet", "mmseg", "mmpretrain", "mmpose") if m in sys.modules]; '
            'print(",".join(hosts))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ''


def test_a_config_naming_a_missing_type_says_which():
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        with pytest.raises(KeyError, match=r'ConvNeXtt.*mmvisarch'):
            MODELS.build(dict(CFG, type='mmvisarch.ConvNeXtt'))
