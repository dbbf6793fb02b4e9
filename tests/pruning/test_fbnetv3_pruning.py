"""Table 1 as configs (22 pruning configs), the early-stopping hook of Sec. 3.2 and a toy
prune-and-fine-tune run through the tools."""
import glob
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

from mmvisarch.engine.hooks import ValLossEarlyStoppingHook
from tests.conftest import REPO_ROOT, run_tool

PAIRS = ['b-to-a', 'c-to-a', 'c-to-b', 'd-to-b', 'd-to-c', 'e-to-c', 'e-to-d', 'f-to-d', 'f-to-e',
         'g-to-e', 'g-to-f']
TOY = 'configs/fbnetv3/toy'


def test_22_table1_configs():
    from mmengine.config import Config
    found = sorted(osp.basename(p) for p in glob.glob(osp.join(REPO_ROOT, 'configs/fbnetv3/magnitude-*.py')))
    assert found == sorted(f'magnitude-{s}_fbnetv3-{p}_8xb128-finetune_in1k.py'
                           for p in PAIRS for s in ('uniform', 'global'))
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/fbnetv3', found[0]))
    assert cfg.optim_wrapper.optimizer.lr in (4e-5, 8e-5, 1.6e-4)
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['mmvisarch.ValLossEarlyStoppingHook']['tol'] == 1e-4  # 0.01%
    assert hooks['mmvisarch.DynamicSparsityHook']['update_interval'] is None  # fixed masks
    assert cfg.model.backbone.arch == found[0].split('fbnetv3-')[1][0]


class _Loop:
    stop_training = False


def stub_runner(epoch):
    hub = SimpleNamespace(update_scalar=lambda *a, **k: None)
    return SimpleNamespace(epoch=epoch, train_loop=_Loop(), message_hub=hub)


def test_early_stopping_rule():
    """Smoothed loss s_t = m s_{t-1} + (1 - m) l_t; stop when |s_t - s_{t-1}| / s_{t-1} < tol."""
    hook = ValLossEarlyStoppingHook(tol=1e-4, momentum=0.5)
    losses = iter([2.0, 1.0, 0.9998, 0.9998, 0.99975])
    hook.held_out_loss = lambda runner: next(losses)
    stopped = []
    expected = [2.0, 1.5, 1.2499, 1.12485, 1.0623]
    for epoch in range(5):
        runner = stub_runner(epoch)
        hook.after_train_epoch(runner)
        stopped.append(runner.train_loop.stop_training)
        assert hook.smoothed == pytest.approx(expected[epoch])
    assert not any(stopped)  # changes of 25%, 17%, 10%, 5.6%
    hook = ValLossEarlyStoppingHook(tol=1e-4, momentum=0.0)
    losses = iter([1.0, 0.5, 0.49996, 0.49995])
    hook.held_out_loss = lambda runner: next(losses)
    flags = []
    for epoch in range(4):
        runner = stub_runner(epoch)
        hook.after_train_epoch(runner)
        flags.append(runner.train_loop.stop_training)
    assert flags == [False, False, True, True]  # 8e-5 < 1e-4 at epoch 3
    with pytest.raises(ValueError, match='momentum'):
        ValLossEarlyStoppingHook(momentum=1.0)


def test_early_stopping_state_in_checkpoint():
    hook = ValLossEarlyStoppingHook()
    hook.smoothed, hook.history = 0.7, [0.9, 0.7]
    ckpt = {}
    hook.before_save_checkpoint(None, ckpt)
    other = ValLossEarlyStoppingHook()
    other.after_load_checkpoint(None, ckpt)
    assert other.smoothed == 0.7 and other.history == [0.9, 0.7]


@pytest.mark.slow
def test_toy_prune_and_finetune(toy_data_root, tmp_path):
    """Seed trained, pruned with Eq. 1 to the target's FLOPs (tool), fine-tuned with fixed masks
    until the early-stopping hook stops it before max_epochs."""
    seed_cfg = f'{TOY}/fbnetv3-tiny_1xb16-1e_cifar10-toy.py'
    work = str(tmp_path / 'seed')
    run_tool('tools/train.py', seed_cfg, '--work-dir', work)
    masked = str(tmp_path / 'masked.pth')
    out = run_tool('tools/pruning/prune_magnitude.py', seed_cfg, osp.join(work, 'epoch_1.pth'),
                   '--only-1x1', '--with-linear', '--convention', 'fbnet', '--input-size', '32',
                   '--target-config', f'{TOY}/fbnetv3-tinier_1xb16-1e_cifar10-toy.py',
                   '--scope', 'uniform', '--out', masked, '--trust-checkpoint').stdout
    pruned = torch.load(masked, weights_only=True)
    meta = pruned['meta']['pruning']
    assert meta['sparse_flops'] == pytest.approx(meta['target_flops'], rel=0.01)
    assert 'sparsity' in out
    ft = str(tmp_path / 'ft')
    run_tool('tools/train.py', f'{TOY}/magnitude-uniform_fbnetv3-tiny-to-tinier_1xb16-finetune_cifar10-toy.py',
             '--work-dir', ft, '--cfg-options', f'load_from={masked}')
    last = sorted(glob.glob(osp.join(ft, 'epoch_*.pth')))
    assert last and not osp.exists(osp.join(ft, 'epoch_4.pth'))  # stopped early
    state = torch.load(last[-1], map_location='cpu', weights_only=False)['state_dict']
    for key, mask in pruned['masks'].items():
        assert (state[key][~mask] == 0).all(), key
