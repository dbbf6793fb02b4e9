"""tools/test.py and tools/analysis/benchmark.py inference paths: --deploy gives the same
predictions and metrics as the training-form model; --bf16 is refused with a clear message
on CPUs without native bf16 and runs (emulated) when asked; the benchmark runs deployed."""
import os.path as osp
import pickle

import pytest
import torch

from mmvisarch.engine.inference import bf16_support
from tests.conftest import REPO_ROOT, run_tool
from tests.models.test_deploy import randomize

PRUNED_CLS = osp.join('configs', 'pruning', 'toy',
                      'l1-norm_resnet-tiny-pruned_1xb16-1e_cifar10-toy.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """Weights of the toy pruned classifier with non-trivial BN statistics."""
    from mmvisarch.analysis.complexity import build_model_from_config
    from mmvisarch.utils import load_config
    torch.manual_seed(0)
    model = randomize(build_model_from_config(load_config(osp.join(REPO_ROOT, PRUNED_CLS))))
    path = str(tmp_path_factory.mktemp('ckpt') / 'toy.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def _scores(path):
    with open(path, 'rb') as f:
        return torch.stack([torch.as_tensor(r['pred_score']) for r in pickle.load(f)])


def _test(checkpoint, tmp_path, name, *flags):
    out = str(tmp_path / f'{name}.pkl')
    result = run_tool('tools/test.py', PRUNED_CLS, checkpoint, '--work-dir',
                      str(tmp_path / name), '--out', out, *flags)
    return result, _scores(out)


def test_deployed_and_bf16_test_runs(checkpoint, tmp_path, toy_data_root):
    _, fp32 = _test(checkpoint, tmp_path, 'fp32')
    result, deployed = _test(checkpoint, tmp_path, 'deploy', '--deploy')
    assert 'testing the deployed model' in result.stdout + result.stderr
    assert ((deployed - fp32).abs().max() / fp32.abs().max()).item() < 1e-5
    assert torch.equal(deployed.argmax(1), fp32.argmax(1))
    native, _ = bf16_support('cpu')
    if not native:
        with pytest.raises(AssertionError, match='neither AVX512-BF16 nor AMX-BF16'):
            _test(checkpoint, tmp_path, 'bf16', '--bf16')
    result, bf16 = _test(checkpoint, tmp_path, 'bf16e', '--deploy', '--bf16', '--bf16-emulated')
    assert 'testing the deployed + bf16 model' in result.stdout + result.stderr
    # bf16 keeps 8 bits of mantissa: scores move, but by far less than their size
    assert 0 < (bf16 - fp32).abs().max().item() < 0.1


def test_benchmark_tool_deployed_and_refusals(checkpoint):
    result = run_tool('tools/analysis/benchmark.py', PRUNED_CLS, '--shape', '32',
                      '--batch-size', '2', '--warmup', '1', '--iters', '2', '--deploy',
                      '--device', 'cpu')
    assert 'deploy True' in result.stdout and 'Throughput' in result.stdout
    with pytest.raises(AssertionError, match='only makes sense with --bf16'):
        run_tool('tools/test.py', PRUNED_CLS, checkpoint, '--bf16-emulated')
