"""Tools that write refuse to replace an existing file unless told (--force)."""
import importlib.util
import json
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT


def _tool(rel):
    spec = importlib.util.spec_from_file_location(osp.basename(rel)[:-3], osp.join(REPO_ROOT, rel))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_visualize_anytime_refuses_to_overwrite(tmp_path):
    result = tmp_path / 'ee.json'
    result.write_text(json.dumps({'mIoU_exit1': 30, 'GFLOPs_exit1': 10,
                                  'mIoU_exit2': 60, 'GFLOPs_exit2': 20}) + '\n')
    out = tmp_path / 'curve.png'
    out.write_bytes(b'a user file')
    tool = _tool('tools/analysis/visualize_anytime.py')
    with pytest.raises(FileExistsError, match='--force'):
        tool.main(['curve', str(result), '--out', str(out)])
    assert out.read_bytes() == b'a user file'
    tool.main(['curve', str(result), '--out', str(out), '--force'])
    assert out.read_bytes()[:4] == b'\x89PNG'


def test_test_tool_out_refuses_to_overwrite_before_testing(tmp_path):
    out = tmp_path / 'results.pkl'
    out.write_bytes(b'keep')
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    tool = _tool('tools/test.py')
    config = osp.join(REPO_ROOT, 'configs', 'convnext', 'toy', 'convnext-toy_1xb16_imagenet-toy-64px.py')
    with pytest.raises(FileExistsError, match='--force'):
        tool.main([config, str(ckpt), '--out', str(out)])
    assert out.read_bytes() == b'keep'
