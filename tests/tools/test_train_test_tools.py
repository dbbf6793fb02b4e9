"""The standard entry points drive the toy configs: train, evaluate, resume, DDP on CPU."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT, run_tool

TOY = osp.join('configs', 'convnext', 'toy')
MASK_RCNN = osp.join(TOY, 'mask-rcnn_convnext-toy_fpn-ms-crop_coco-toy.py')
UPERNET = osp.join(TOY, 'upernet_convnext-toy_ade20k-toy-64x64.py')
CLASSIFIER = osp.join(TOY, 'convnext-toy_1xb16_imagenet-toy-64px.py')


def last_metrics(work_dir: str) -> dict:
    """The last evaluation record mmengine logged under ``work_dir``.

    Training writes ``<timestamp>/vis_data/scalars.json``; ``tools/test.py`` writes its
    metrics to ``<timestamp>/<timestamp>.json``.
    """
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')) + \
        glob.glob(osp.join(work_dir, '*', '*.json'))
    files = sorted(files, key=osp.getmtime)
    assert files, f'no metrics json under {work_dir}'
    metrics = {}
    for path in files:
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if not any('loss' in k for k in record) and 'lr' not in record:
                    metrics = record
    return metrics


def test_toy_upernet_trains_and_evaluates(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'upernet')
    run_tool('tools/train.py', UPERNET, '--work-dir', work_dir, '--cfg-options',
             'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
             'default_hooks.checkpoint.interval=4')
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    metrics = last_metrics(work_dir)
    assert 0.0 <= metrics['mIoU'] <= 100.0
    run_tool('tools/test.py', UPERNET, osp.join(work_dir, 'iter_4.pth'), '--work-dir', work_dir)


def test_resume_continues_where_training_stopped(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'resume')
    common = ['--work-dir', work_dir, '--cfg-options', 'train_cfg.val_interval=100',
              'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.max_keep_ckpts=5',
              'default_hooks.logger.interval=1']
    run_tool('tools/train.py', UPERNET, *common, 'train_cfg.max_iters=4')
    first = sorted(glob.glob(osp.join(work_dir, 'iter_*.pth')))
    assert [osp.basename(p) for p in first] == ['iter_2.pth', 'iter_4.pth']
    result = run_tool('tools/train.py', UPERNET, '--resume', *common, 'train_cfg.max_iters=6')
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower() and 'iter_4.pth' in log
    # the second run starts at iteration 5, not 1
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))


def test_toy_classifier_trains_with_two_cpu_processes(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'ddp')
    result = run_tool('-m', 'torch.distributed.run', '--nproc_per_node=2',
                      '--master_port=29531', 'tools/train.py', CLASSIFIER, '--launcher',
                      'pytorch', '--work-dir', work_dir, '--cfg-options',
                      'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                      'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1')
    log = result.stdout + result.stderr
    assert 'Distributed training: True' in log and "'backend': 'gloo'" in log
    # 180 images, batch 16: 12 iterations alone, 6 per rank when the data is split in two
    assert 'Epoch(train) [1][6/6]' in log
    assert 'accuracy/top1' in json.dumps(last_metrics(work_dir))
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def test_dist_train_script_is_a_torchrun_wrapper():
    with open(osp.join(REPO_ROOT, 'tools', 'dist_train.sh')) as f:
        script = f.read()
    assert 'torch.distributed.run' in script and '--launcher pytorch' in script
