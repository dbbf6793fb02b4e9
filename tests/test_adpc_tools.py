"""ADP-C through the standard tools: train a few iterations, evaluate every exit.

The toy data is written to a private folder (other tests rewrite ``data/``).
"""
import glob
import json
import os.path as osp
import re

import pytest

pytest.importorskip('mmseg')
from tests.conftest import run_tool  # noqa: E402

SEG_TOY = 'configs/adpc/toy/adpc_hrnet-tiny_1xb2-20i_cityscapes-toy-64x128.py'
POSE_TOY = 'configs/adpc/toy/adpc_hrnet-tiny_1xb4-2e_mpii-toy-64x64.py'


@pytest.fixture(scope='module')
def adpc_data(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp('adpc_data'))


def _make(root: str, name: str) -> None:
    run_tool('tools/dataset_converters/make_toy_data.py', '--out', root, '--only', name)


def _metrics(work_dir: str) -> dict:
    """The last metrics line mmengine logged as JSON in the work directory."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')) +
                   glob.glob(osp.join(work_dir, '*', '*.json')))
    lines = [json.loads(line) for f in files for line in open(f) if line.strip()]
    return [m for m in lines if any(k.endswith('_exit1') for k in m)][-1]


@pytest.mark.slow
def test_segmentation_train_and_test_every_exit(adpc_data, tmp_path):
    _make(adpc_data, 'cityscapes')
    root = osp.join(adpc_data, 'cityscapes_toy')
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.data_root={root}',
               f'test_dataloader.dataset.data_root={root}',
               'train_cfg.max_iters=2', 'train_cfg.val_begin=3', 'param_scheduler.0.end=2',
               'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
               'test_dataloader.dataset.indices=2', 'val_dataloader.dataset.indices=2']
    work = str(tmp_path / 'seg')
    out = run_tool('tools/train.py', SEG_TOY, '--work-dir', work, *options)
    log = out.stdout + out.stderr
    for i in range(1, 5):
        assert re.search(rf'loss_ce_exit{i}: \d', log), log[-3000:]
    ckpt = osp.join(work, 'iter_2.pth')
    assert osp.exists(ckpt)
    test = run_tool('tools/test.py', SEG_TOY, ckpt, '--work-dir', str(tmp_path / 'seg_test'),
                    *options)
    metrics = _metrics(str(tmp_path / 'seg_test'))
    for i in range(1, 5):
        assert 0 <= metrics[f'mIoU_exit{i}'] <= 100
        assert metrics[f'GFLOPs_exit{i}'] > 0
    mious = [metrics[f'mIoU_exit{i}'] for i in range(1, 5)]
    assert metrics['mIoU_avg'] == pytest.approx(sum(mious) / 4, abs=0.01)
    assert metrics['mIoU'] == metrics['mIoU_exit4']
    gflops = [metrics[f'GFLOPs_exit{i}'] for i in range(1, 5)]
    assert gflops == sorted(gflops)  # cumulative
    assert not any('loss' in k for k in metrics), test.stdout[-2000:]


@pytest.mark.slow
def test_pose_train_and_test_every_exit(adpc_data, tmp_path):
    pytest.importorskip('mmpose')
    _make(adpc_data, 'mpii')
    root = osp.join(adpc_data, 'mpii_toy') + '/'
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.headbox_file={root}annotations/mpii_gt_val.mat',
               f'test_dataloader.dataset.data_root={root}',
               f'test_dataloader.dataset.headbox_file={root}annotations/mpii_gt_val.mat',
               'train_dataloader.dataset.indices=8', 'test_dataloader.dataset.indices=8',
               'val_dataloader.dataset.indices=8', 'train_cfg.val_begin=3',
               'default_hooks.logger.interval=1']
    work = str(tmp_path / 'pose')
    out = run_tool('tools/train.py', POSE_TOY, '--work-dir', work, *options)
    log = out.stdout + out.stderr
    for i in range(1, 5):
        assert re.search(rf'loss_kpt_exit{i}: \d', log), log[-3000:]
    test = run_tool('tools/test.py', POSE_TOY, osp.join(work, 'epoch_2.pth'), '--work-dir',
                    str(tmp_path / 'pose_test'), *options)
    metrics = _metrics(str(tmp_path / 'pose_test'))
    for i in range(1, 5):
        assert 0 <= metrics[f'PCK_exit{i}'] <= 100  # PCKh@0.5 of MpiiPCKAccuracy
        assert metrics[f'GFLOPs_exit{i}'] > 0
    assert 'PCK_avg' in metrics, test.stdout[-2000:]


def test_visualize_anytime_curve(tmp_path):
    results = []
    for name, acc in (('ee', (30, 50, 70, 80)), ('adpc', (40, 55, 72, 80))):
        path = tmp_path / f'{name}.json'
        metrics = {f'mIoU_exit{i}': a for i, a in enumerate(acc, start=1)}
        metrics.update({f'GFLOPs_exit{i}': 10.0 * i for i in range(1, 5)})
        path.write_text(json.dumps(metrics) + '\n')
        results.append(str(path))
    out = tmp_path / 'curve.png'
    run_tool('tools/analysis/visualize_anytime.py', 'curve', *results, '--labels', 'EE',
             'ADP-C', '--out', str(out))
    assert out.stat().st_size > 1000
    assert open(out, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
