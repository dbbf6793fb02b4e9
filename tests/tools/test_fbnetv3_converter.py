"""tools/model_converters/fbnetv3_to_mmvisarch.py on checkpoints written in the official
mobile-vision layout (key names and shapes from tests/data/fbnetv3/reference.json, which the
official builder wrote): strict, names the bad keys, never overwrites."""
import json
import os.path as osp

import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

TOOL = 'tools/model_converters/fbnetv3_to_mmvisarch.py'


def official_checkpoint(path, arch='a', ema=True, drop=None, extra=None):
    layout = json.load(open(osp.join(REPO_ROOT, 'tests/data/fbnetv3/reference.json')))['layout'][arch]
    g = torch.Generator().manual_seed(0)
    state = {f'module.{k}': (torch.randn(s, generator=g) if s else torch.tensor(0))
             for k, s in layout if k != drop}
    if extra:
        state[extra] = torch.zeros(1)
    ckpt = {'state_dict': {k: torch.zeros_like(v) for k, v in state.items()},
            'model_ema': state if ema else None}
    torch.save(ckpt, path)
    return state


def test_converts_and_loads_into_the_config(tmp_path):
    src, dst = str(tmp_path / 'model.pth'), str(tmp_path / 'out.pth')
    state = official_checkpoint(src)
    run_tool(TOOL, src, dst, '--arch', 'a')
    out = torch.load(dst, weights_only=True)['state_dict']
    # model_ema is taken, as the official loader does
    torch.testing.assert_close(out['backbone.stages.xif3_0.se.se.1.weight'],
                               state['module.backbone.stages.xif3_0.se.se.1.weight'])
    assert out['head.fc.weight'].shape == (1000, 1984)
    from mmengine.config import Config
    from mmvisarch.pruning.io import build_model
    model = build_model(Config.fromfile(osp.join(REPO_ROOT, 'configs/fbnetv3/fbnetv3-a_in1k.py')))
    model.load_state_dict(out, strict=True)


def test_strict_errors_name_keys(tmp_path):
    src = str(tmp_path / 'model.pth')
    official_checkpoint(src, drop='backbone.stages.xif2_0.pw.conv.weight')
    with pytest.raises(AssertionError, match='xif2_0.pw.conv.weight'):
        run_tool(TOOL, src, str(tmp_path / 'o.pth'), '--arch', 'a')
    official_checkpoint(src, extra='module.aux.weight')
    with pytest.raises(AssertionError, match='aux.weight'):
        run_tool(TOOL, src, str(tmp_path / 'o.pth'), '--arch', 'a')
    official_checkpoint(src, arch='c')  # the wrong variant: shapes differ
    with pytest.raises(AssertionError, match='shape mismatch'):
        run_tool(TOOL, src, str(tmp_path / 'o.pth'), '--arch', 'a')


def test_never_overwrites(tmp_path):
    src, dst = str(tmp_path / 'model.pth'), tmp_path / 'out.pth'
    official_checkpoint(src, ema=False)
    dst.write_text('keep')
    with pytest.raises(AssertionError, match='exists'):
        run_tool(TOOL, src, str(dst), '--arch', 'a')
    assert dst.read_text() == 'keep'
