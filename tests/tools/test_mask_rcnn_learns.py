"""`make demo`'s toy Mask R-CNN learns: its AP is clearly above an untrained model's."""
import os.path as osp

import torch

from tests.conftest import run_tool
from tests.tools.test_train_test_tools import MASK_RCNN, last_metrics


def evaluate(checkpoint: str, work_dir: str) -> dict:
    run_tool('tools/test.py', MASK_RCNN, checkpoint, '--work-dir', work_dir)
    return last_metrics(work_dir)


def test_toy_mask_rcnn_learns(tmp_path, toy_data_root):
    from mmengine.config import Config
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(osp.dirname(osp.dirname(osp.dirname(__file__))), MASK_RCNN))
    torch.manual_seed(0)
    untrained = MODELS.build(cfg.model)
    untrained.init_weights()
    untrained_ckpt = str(tmp_path / 'untrained.pth')
    torch.save({'state_dict': untrained.state_dict(), 'meta': {}}, untrained_ckpt)
    before = evaluate(untrained_ckpt, str(tmp_path / 'before'))

    work_dir = str(tmp_path / 'train')
    run_tool('tools/train.py', MASK_RCNN, '--work-dir', work_dir, timeout=1500)
    trained = last_metrics(work_dir)
    after = evaluate(osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth'),
                     str(tmp_path / 'after'))
    assert after['coco/bbox_mAP'] == trained['coco/bbox_mAP']
    assert before['coco/bbox_mAP'] < 0.02
    assert after['coco/bbox_mAP'] > before['coco/bbox_mAP'] + 0.2, (before, after)
    assert after['coco/segm_mAP'] > before['coco/segm_mAP'] + 0.2, (before, after)
