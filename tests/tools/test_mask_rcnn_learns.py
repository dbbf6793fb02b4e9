"""The toy Mask R-CNN of `make demo` runs through the tools, and learns.

The learning test trains the full toy schedule (320 iterations, about 2 minutes on one
core); the quick test runs the same config on 8 images. Measured once: untrained bbox/segm
AP 0.001/0.000, trained 0.593/0.665.
"""
import os.path as osp

import torch

from tests.conftest import REPO_ROOT, run_tool
from tests.tools.test_train_test_tools import MASK_RCNN, last_metrics

QUICK = ['train_dataloader.dataset.indices=8', 'val_dataloader.dataset.indices=8',
         'test_dataloader.dataset.indices=8', 'train_cfg.max_epochs=1',
         'train_cfg.val_interval=1', 'default_hooks.checkpoint.interval=1']


def evaluate(checkpoint: str, work_dir: str, *options: str) -> dict:
    run_tool('tools/test.py', MASK_RCNN, checkpoint, '--work-dir', work_dir,
             *(['--cfg-options', *options] if options else []))
    return last_metrics(work_dir)


def test_toy_mask_rcnn_trains_and_evaluates_bbox_and_segm(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'quick')
    run_tool('tools/train.py', MASK_RCNN, '--work-dir', work_dir, '--cfg-options', *QUICK)
    metrics = evaluate(osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'test'),
                       'test_dataloader.dataset.indices=8')
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert 0.0 <= metrics[key] <= 1.0


def test_toy_mask_rcnn_learns(tmp_path, toy_data_root):
    from mmengine.config import Config
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, MASK_RCNN))
    torch.manual_seed(0)
    untrained = MODELS.build(cfg.model)
    untrained.init_weights()
    untrained_ckpt = str(tmp_path / 'untrained.pth')
    torch.save({'state_dict': untrained.state_dict(), 'meta': {}}, untrained_ckpt)
    before = evaluate(untrained_ckpt, str(tmp_path / 'before'))

    work_dir = str(tmp_path / 'train')
    run_tool('tools/train.py', MASK_RCNN, '--work-dir', work_dir, timeout=3600)
    after = evaluate(osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth'),
                     str(tmp_path / 'after'))
    assert before['coco/bbox_mAP'] < 0.02
    assert after['coco/bbox_mAP'] > before['coco/bbox_mAP'] + 0.3, (before, after)
    assert after['coco/segm_mAP'] > before['coco/segm_mAP'] + 0.3, (before, after)
