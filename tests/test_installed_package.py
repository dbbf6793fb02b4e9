"""The package as a user gets it: a wheel installed into a clean directory, used from outside the checkout.

The wheel is built from a copy of the source tree (``pip wheel --no-deps
--no-build-isolation``, without the compiled kernels) and installed with
``pip install --no-deps --target``; every check then runs in a fresh
interpreter whose working directory is a temporary "user project" and whose
``sys.path`` holds the install directory and not the checkout.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

IGNORE = shutil.ignore_patterns('.git', '.venv', 'build', 'data', 'work_dirs', '*.egg-info',
                                '__pycache__', '*.pyc', '*.so', '.pytest_cache', 'tests')
USER_CONFIG = "_base_ = 'mmvisarch::convnext/toy/convnext-toy_1xb16_imagenet-toy-64px.py'\n"
HAS_MIM = subprocess.run([sys.executable, '-c', 'import mim'], capture_output=True).returncode == 0


def _run(args, cwd, env, timeout=600):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({result.returncode}):\n'
                             f'{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(install dir, user project dir, environment) for a freshly built and installed wheel."""
    root = tmp_path_factory.mktemp('wheel')
    source, wheels, target, project = (str(root / n) for n in ('src', 'whl', 'site', 'project'))
    shutil.copytree(REPO_ROOT, source, ignore=IGNORE, symlinks=True)
    env = dict(os.environ, MMVISARCH_WITH_OPS='0', PYTHONWARNINGS='ignore')
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
          '-w', wheels, source], cwd=source, env=env)
    wheel, = glob.glob(osp.join(wheels, 'mmvisarch-*.whl'))
    _run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', target, wheel],
         cwd=str(root), env=env)
    os.makedirs(project)
    with open(osp.join(project, 'my_config.py'), 'w') as f:
        f.write(USER_CONFIG)
    # The install dir first; keep paths that provide other tools (e.g. mim), never the checkout.
    extra = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
             if p and osp.realpath(p) != osp.realpath(REPO_ROOT)]
    env['PYTHONPATH'] = os.pathsep.join([target, *extra])
    return target, project, env


def test_wheel_carries_presets_configs_tools_and_model_index(installed):
    target, _, _ = installed
    mim = osp.join(target, 'mmvisarch', '.mim')
    for path in ('model-index.yml', 'tools/train.py', 'tools/test.py',
                 'configs/convnext/metafile.yml', 'configs/pruning/specs/resnet34-A.json'):
        assert osp.isfile(osp.join(mim, path)), path
        assert not osp.islink(osp.join(mim, path.split('/')[0])), 'the wheel must hold copies'


def test_installed_package_runs_a_preset_and_an_mmvisarch_base(installed):
    target, project, env = installed
    code = '\n'.join([
        'import torch, mmvisarch',
        f'assert mmvisarch.__file__.startswith({target!r}), mmvisarch.__file__',
        'from mmvisarch.models.backbones.pruned import PrunedResNet',
        "backbone = PrunedResNet(spec='resnet34-A', out_indices=(3,)).eval()",
        'print("preset", tuple(backbone(torch.rand(1, 3, 32, 32))[0].shape))',
        'from mmvisarch.utils import load_config',
        'from mmpretrain.registry import MODELS',
        'from mmengine.registry import DefaultScope',
        "cfg = load_config('my_config.py')",
        "assert cfg.train_dataloader.dataset.get('_scope_') is None",
        "with DefaultScope.overwrite_default_scope(cfg.default_scope):",
        '    model = MODELS.build(cfg.model)',
        "print('config', type(model.backbone).__module__, cfg.default_scope,",
        "      tuple(model(torch.rand(2, 3, 64, 64)).shape))",
    ])
    out = _run([sys.executable, '-c', code], cwd=project, env=env).stdout
    # resnet34-A keeps the last stage's 512 channels; stride 32 on a 32 px input.
    assert 'preset (1, 512, 1, 1)' in out
    assert 'config mmvisarch.models.backbones.convnext mmpretrain (2, 3)' in out


def test_unsupported_version_is_named_at_import(installed):
    target, project, env = installed
    code = ('import torch; torch.__version__ = "2.5.1"\n'
            'try:\n    import mmvisarch\nexcept ImportError as e:\n    print(e)\n')
    out = _run([sys.executable, '-c', code], cwd=project, env=env).stdout
    assert 'supports torch>=2.6, but torch 2.5.1 is installed' in out


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MIM, reason='openmim is not installed (make install brings it)')
def test_mim_train_and_test_an_mmvisarch_base(installed):
    """``mim train mmvisarch CONFIG`` / ``mim test`` run the wheel's .mim/tools (about 90 s)."""
    target, project, env = installed
    tools = osp.join(target, 'mmvisarch', '.mim', 'tools')
    _run([sys.executable, osp.join(tools, 'dataset_converters', 'make_toy_data.py'),
          '--out', 'data', '--only', 'imagenet'], cwd=project, env=env)
    _run([sys.executable, '-m', 'mim', 'train', 'mmvisarch', 'my_config.py', '--work-dir',
          'work', '--cfg-options', 'train_cfg.max_epochs=1'], cwd=project, env=env)
    checkpoint = osp.join(project, 'work', 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    out = _run([sys.executable, '-m', 'mim', 'test', 'mmvisarch', 'my_config.py',
                '--checkpoint', checkpoint, '--work-dir', 'work'], cwd=project, env=env)
    assert 'accuracy/top1' in out.stdout + out.stderr
