"""SafeCheckpointHook: a kill inside the save loses nothing, a resume continues exactly.

The runs are tiny mmengine runs (``safe_checkpoint_run.py``) with every source of
randomness the real ones have (augmenting data workers, shuffling, dropout,
validation between checkpoints). The kill is deterministic: the N-th
checkpoint write writes half its bytes and ``os._exit``s. Exactness is checked
against the uninterrupted run, loss by loss, not against our own output.
"""
import json
import os
import os.path as osp
import shutil
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from tests.conftest import REPO_ROOT, run_tool

SCRIPT = osp.join('tests', 'engine', 'safe_checkpoint_run.py')


def losses(work_dir: str) -> dict:
    with open(osp.join(work_dir, 'losses.jsonl')) as f:
        return {step: loss for step, loss in map(json.loads, f)}


def run(work_dir, *args, check=True):
    import subprocess
    import sys
    result = subprocess.run([sys.executable, SCRIPT, str(work_dir), *map(str, args)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout[-3000:] + result.stderr[-3000:])
    return result


@pytest.fixture(scope='module')
def reference_iter(tmp_path_factory):
    """The uninterrupted iteration-based run: 6 iterations, checkpoints every 2."""
    work_dir = tmp_path_factory.mktemp('reference_iter')
    run(work_dir, 'iter', 6, '--max-keep', 5)
    return work_dir


def test_kill_inside_the_save_loses_nothing_and_the_resume_is_exact(tmp_path, reference_iter):
    work_dir = tmp_path / 'killed'
    killed = run(work_dir, 'iter', 6, '--kill-at', 2, check=False)  # inside iter_4's write
    assert killed.returncode == 137
    names = sorted(os.listdir(work_dir))
    # the previous checkpoint is intact and still named; the half-written one is a temp file
    assert 'iter_2.pth' in names and 'iter_4.pth' not in names, names
    assert any(n.startswith('.iter_4.pth') for n in names), names
    with open(work_dir / 'last_checkpoint') as f:
        assert f.read().endswith('iter_2.pth')
    from mmvisarch.utils import load_checkpoint_safely
    assert load_checkpoint_safely(str(work_dir / 'iter_2.pth'))['meta']['iter'] == 2
    # what plain mmengine leaves after such a kill: a truncated latest checkpoint under the
    # final name, named by last_checkpoint; the resume must skip it and name it
    data = (work_dir / 'iter_2.pth').read_bytes()
    (work_dir / 'iter_4.pth').write_bytes(data[:len(data) // 3])
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_4.pth'))

    resumed = run(work_dir, 'iter', 6, '--resume')
    log = resumed.stdout + resumed.stderr
    assert 'Skipping the corrupted checkpoint' in log and 'iter_4.pth' in log
    ref, got = losses(reference_iter), losses(work_dir)
    assert [got[i] for i in (3, 4, 5, 6)] == [ref[i] for i in (3, 4, 5, 6)]
    assert sorted(n for n in os.listdir(work_dir) if n.endswith('.pth')) == ['iter_6.pth']


def test_plain_mmengine_hook_loses_the_run_at_the_same_kill(tmp_path):
    """The control: the same kill with mmengine's CheckpointHook leaves nothing intact."""
    from mmvisarch.utils.safe_load import checkpoint_damage
    work_dir = tmp_path / 'plain'
    assert run(work_dir, 'iter', 6, '--kill-at', 2, '--hook', 'CheckpointHook',
               check=False).returncode == 137
    left = [n for n in os.listdir(work_dir) if n.endswith('.pth')]
    assert left == ['iter_4.pth'] and checkpoint_damage(str(work_dir / 'iter_4.pth'))


def test_epoch_based_resume_with_persistent_workers_is_exact(tmp_path):
    reference, resumed = tmp_path / 'reference', tmp_path / 'resumed'
    run(reference, 'epoch', 3, '--workers', 1, '--max-keep', 5)
    resumed.mkdir()
    shutil.copy(reference / 'epoch_1.pth', resumed / 'epoch_1.pth')
    run(resumed, 'epoch', 3, '--workers', 1, '--resume', resumed / 'epoch_1.pth')
    ref, got = losses(reference), losses(resumed)
    assert len(ref) == 18 and sorted(got) == list(range(7, 19))
    assert [got[i] for i in range(7, 19)] == [ref[i] for i in range(7, 19)]


# --- checkpoints that do not fit the model ---------------------------------------------------

def _hook_and_runner(resume=False):
    from mmvisarch.engine.hooks.checkpoint import SafeCheckpointHook
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))
    return SafeCheckpointHook(), SimpleNamespace(model=model, _resume=resume)


def test_full_load_passes_partial_load_warns_minority_load_is_refused():
    hook, runner = _hook_and_runner()
    full = {k: v.clone() for k, v in runner.model.state_dict().items()}
    hook._check_load(runner, dict(state_dict=full), resuming=False)
    partial = {k: v for k, v in full.items() if not k.startswith('2.')}  # 4 of 6
    hook._check_load(runner, dict(state_dict=partial), resuming=False)  # a warning
    with pytest.raises(ValueError, match=r'fills 4 of .* 6 parameters; 2 are missing \(2 \(2 tensors'):
        hook._check_load(runner, dict(state_dict=partial), resuming=True)
    minority = {k: v for k, v in full.items() if k.startswith('0.')}
    with pytest.raises(ValueError, match=r'Refusing to load.*fills 2 of the model\'s 6.*missing \(1, 2 '):
        hook._check_load(runner, dict(state_dict=minority), resuming=False)
    shapes = dict(full, **{'1.weight': torch.zeros(3, 4)})
    shapes.pop('2.weight'), shapes.pop('2.bias')
    with pytest.raises(ValueError, match=r'1 have another shape \(1 \('):
        hook._check_load(runner, dict(state_dict=shapes), resuming=False)
