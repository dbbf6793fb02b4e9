"""tools/model_converters/rethinking_to_mmvisarch.py on checkpoints written by the reference code.

Fixtures (tests/data/pruning/, provenance in tests/data/README.md) were produced by running the
models of Eric-mingjie/rethinking-network-pruning (commit 2ac473d) with random small widths and
random BN statistics; each holds the reference model's logits on a fixed input. The converted
checkpoint must load strictly into the classifier built from the unpruned config plus the written
spec, and reproduce those logits.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmvisarch.pruning.io import build_model
from tests.conftest import REPO_ROOT, run_tool

DATA = osp.join(REPO_ROOT, 'tests', 'data', 'pruning')
CFG = osp.join(REPO_ROOT, 'configs', 'pruning')
TOOL = 'tools/model_converters/rethinking_to_mmvisarch.py'


def _from_npz(path, tmp_path):
    """Write the reference checkpoint stored sparsely in ``path`` as the .pth the reference saves."""
    arrays = np.load(path)
    state = {}
    for key in arrays.files:
        if key.startswith('__') or '::' in key and not key.endswith('::shape'):
            continue
        if key.endswith('::shape'):
            name = key[:-len('::shape')]
            flat = torch.zeros(int(np.prod(arrays[key])))
            flat[torch.from_numpy(arrays[name + '::idx']).long()] = torch.from_numpy(
                arrays[name + '::val'])
            state[name] = flat.view(*arrays[key].tolist())
        else:
            state[key] = torch.from_numpy(arrays[key])
    src = str(tmp_path / 'ref.pth')
    torch.save({'state_dict': state}, src)
    return src, torch.from_numpy(arrays['__x']), torch.from_numpy(arrays['__logits'])


def _from_pth(path, tmp_path):
    raw = torch.load(path, weights_only=True)
    src = str(tmp_path / 'ref.pth')
    torch.save({'cfg': raw['cfg'], 'state_dict': raw['state_dict']}, src)
    return src, raw['x'], raw['logits']


CASES = [
    ('l1_resnet56_small.pth', 'l1-norm_resnet56_1xb64-160e_cifar10'),
    ('l1_vgg16_small.pth', 'l1-norm_vgg16_1xb64-160e_cifar10'),
    ('slimming_vgg19_small.pth', 'slimming_vgg19_1xb64-160e-sparsity_cifar10'),
    ('weight_level_preresnet110_sparse.npz', 'magnitude_preresnet110_1xb64-160e_cifar10'),
    ('weight_level_vgg19_sparse.npz', 'magnitude_vgg19_1xb64-160e_cifar10'),
]


@pytest.mark.parametrize('fixture,config', CASES, ids=[c[0].split('.')[0] for c in CASES])
def test_converted_reference_checkpoint_reproduces_logits(fixture, config, tmp_path):
    read = _from_npz if fixture.endswith('.npz') else _from_pth
    src, x, expected = read(osp.join(DATA, fixture), tmp_path)
    dst = str(tmp_path / 'converted.pth')
    cfg_path = osp.join(CFG, config + '.py')
    run_tool(TOOL, src, dst, '--config', cfg_path)
    assert osp.isfile(dst + '.spec.json')
    cfg = Config.fromfile(cfg_path)
    cfg.model.backbone.spec = dst + '.spec.json'
    model = build_model(cfg)
    if 'in_channels' in cfg.model.head:  # the pruned configs' rule: the head follows the backbone
        cfg.model.head.in_channels = model.backbone.out_channels[-1]
        model = build_model(cfg)
    state = torch.load(dst, weights_only=True)['state_dict']
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        got = model(x, mode='tensor')
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    if fixture.endswith('.npz'):  # weight-level: shapes and zeros kept
        ref = torch.load(src, weights_only=True)['state_dict']
        for key, value in ref.items():
            if value.dim() == 4:
                assert torch.equal(state['backbone.' + key], value), key
    # refuses to overwrite its outputs
    with pytest.raises(Exception):
        run_tool(TOOL, src, dst, '--config', cfg_path)


def test_converter_refuses_checkpoints_that_do_not_fit(tmp_path):
    """A checkpoint of another family or with channel_selection layers is an error naming keys."""
    from mmvisarch.pruning.convert import convert_reference
    raw = torch.load(osp.join(DATA, 'slimming_vgg19_small.pth'), weights_only=True)
    # the slimming VGG-19 checkpoint into the L1-norm VGG-16 config: wrong family
    with pytest.raises(ValueError, match='features|classifier|head'):
        convert_reference(raw, Config.fromfile(osp.join(CFG, 'l1-norm_vgg16_1xb64-160e_cifar10.py')))
    # its head into a config whose head differs (the L1-norm VGG head on VGG-19)
    cfg = Config.fromfile(osp.join(CFG, 'l1-norm_vgg16_1xb64-160e_cifar10.py'))
    cfg.model.backbone.arch = 'vgg19'
    with pytest.raises(ValueError, match='classifier'):
        convert_reference(raw, cfg)
    sd = dict(raw['state_dict'], **{'select.indexes': torch.ones(3)})
    with pytest.raises(ValueError, match='channel_selection'):
        convert_reference({'state_dict': sd}, Config.fromfile(
            osp.join(CFG, 'slimming_vgg19_1xb64-160e-sparsity_cifar10.py')))
    # an extra tensor is named
    sd = dict(raw['state_dict'], **{'feature.99.weight': torch.ones(3)})
    with pytest.raises(ValueError, match='feature'):
        convert_reference({'state_dict': sd}, Config.fromfile(
            osp.join(CFG, 'slimming_vgg19_1xb64-160e-sparsity_cifar10.py')))
