"""Width-spec files are data: no file read as a spec can run code (every path that reads one)."""
import os.path as osp

import pytest

from mmvisarch.pruning import load_spec
from tests.conftest import REPO_ROOT, run_tool

BASE = osp.join(REPO_ROOT, 'configs/pruning/l1-norm_resnet56_1xb64-160e_cifar10.py')
TOY = osp.join(REPO_ROOT, 'configs/pruning/toy/l1-norm_resnet-tiny-pruned_1xb16-1e_cifar10-toy.py')


@pytest.fixture
def hostile(tmp_path):
    """A YAML spec and a pickle spec that each create ``marker`` when loaded unsafely."""
    marker = tmp_path / 'ran'
    yaml_spec = tmp_path / 'spec.yaml'
    yaml_spec.write_text(f'arch: resnet56\nwidths: !!python/object/apply:os.system ["touch {marker}"]\n')
    import pickle

    class Payload:
        def __reduce__(self):
            import os
            return os.system, (f'touch {marker}',)

    pkl_spec = tmp_path / 'spec.pkl'
    pkl_spec.write_bytes(pickle.dumps(Payload()))
    return marker, str(yaml_spec), str(pkl_spec)


def test_load_spec_refuses_code(hostile):
    marker, yaml_spec, pkl_spec = hostile
    with pytest.raises(ValueError, match='spec.yaml is not plain-data YAML'):
        load_spec(yaml_spec)
    with pytest.raises(ValueError, match=r'spec.pkl: only data files'):
        load_spec(pkl_spec)
    assert not marker.exists()


def test_bad_spec_files_are_named(tmp_path):
    empty, broken = tmp_path / 'empty.json', tmp_path / 'broken.json'
    empty.write_text('')
    broken.write_text('{"arch": ')
    with pytest.raises(ValueError, match='empty.json is empty'):
        load_spec(str(empty))
    with pytest.raises(ValueError, match='broken.json is not valid JSON'):
        load_spec(str(broken))
    ok = tmp_path / 'ok.yaml'
    ok.write_text('arch: resnet56\nwidths: {layer1.0.conv1: 8}\n')
    assert load_spec(str(ok))['widths'] == {'layer1.0.conv1': 8}


@pytest.mark.parametrize('argv', [
    lambda spec, tmp: ['tools/pruning/scratch_budget.py', BASE, '--pruned-spec', spec, '--mode', 'B',
                       '--out', str(tmp / 'out.py')],
    lambda spec, tmp: ['tools/analysis/get_flops.py', TOY, '--shape', '32', '32',
                       '--cfg-options', f'model.backbone.spec={spec}'],
    lambda spec, tmp: ['tools/train.py', TOY, '--work-dir', str(tmp / 'work'),
                       '--cfg-options', f'model.backbone.spec={spec}'],
], ids=['scratch_budget', 'get_flops', 'train'])
def test_tools_refuse_hostile_specs(hostile, tmp_path, argv):
    marker, yaml_spec, pkl_spec = hostile
    for spec in (yaml_spec, pkl_spec):
        with pytest.raises(AssertionError, match='only data files|not plain-data YAML'):
            run_tool(*argv(spec, tmp_path), timeout=300)
    assert not marker.exists()
