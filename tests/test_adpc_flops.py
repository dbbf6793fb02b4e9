"""Per-exit FLOPs of the ADP-C configs against the paper (Tables 2.1 and 2.2).

Without confidence adaptivity the cost is data independent and convolution
costs scale exactly with the number of pixels, so the 1024x2048 Cityscapes
numbers are measured at 64x128 and multiplied by 256.
"""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmseg')
from mmengine.config import Config  # noqa: E402
from mmengine.hub import get_config  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmvisarch  # noqa: E402,F401
from mmvisarch.analysis.anytime_flops import MacCounter, scaled_exit_gflops  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG = osp.join(REPO, 'configs', 'adpc')

# Table 2.1 (HRNet-W48, Cityscapes, 1024x2048): GFLOPs at exits 1-4.
TABLE_2_1 = {
    'ee_hrnet-w48_4xb3-120k_cityscapes-512x1024.py': (48.4, 113.4, 388.9, 722.2),
    'ee-rh_hrnet-w48_4xb3-120k_cityscapes-512x1024.py': (41.9, 105.6, 368.0, 701.3),
}


def _build(path: str, scope: str):
    cfg = Config.fromfile(path) if osp.exists(path) else get_config(path)
    init_default_scope(scope)
    cfg.model.pop('pretrained', None)
    if scope == 'mmseg':
        from mmseg.registry import MODELS
    else:
        from mmpose.registry import MODELS
        cfg.model.backbone.init_cfg = None
    return revert_sync_batchnorm(MODELS.build(cfg.model)).eval()


@pytest.mark.parametrize('name', sorted(TABLE_2_1))
def test_table_2_1_exit_gflops(name):
    model = _build(osp.join(CFG, name), 'mmseg')
    gflops = scaled_exit_gflops(model, (64, 128), (1024, 2048))
    for ours, paper in zip(gflops, TABLE_2_1[name]):
        assert ours == pytest.approx(paper, rel=0.03), (name, gflops)


def test_table_2_2_hrnet_w32_gflops():
    pytest.importorskip('mmpose')
    x = torch.zeros(1, 3, 64, 64)  # x16 pixels = 256x256
    baseline = _build('mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
                      'td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py', 'mmpose')
    with torch.no_grad(), MacCounter(baseline) as counter:
        baseline._forward(x)
    assert 16 * counter.macs / 2**30 == pytest.approx(9.49, rel=0.03)
    for name, (last, avg) in {'ee_hrnet-w32_4xb32-210e_mpii-256x256.py': (9.51, 4.73),
                              'ee-rh_hrnet-w32_4xb32-210e_mpii-256x256.py': (9.55, 4.76)}.items():
        gflops = scaled_exit_gflops(_build(osp.join(CFG, name), 'mmpose'), (64, 64), (256, 256))
        assert gflops[-1] == pytest.approx(last, rel=0.03), (name, gflops)
        assert sum(gflops) / 4 == pytest.approx(avg, rel=0.03), (name, gflops)


def test_scaled_flops_rejects_non_multiple_size():
    model = _build(osp.join(CFG, 'toy', 'adpc_hrnet-tiny_1xb2-20i_cityscapes-toy-64x128.py'),
                   'mmseg')
    with pytest.raises(ValueError, match='multiple'):
        scaled_exit_gflops(model, (100, 200), (1024, 2048))


@pytest.mark.parametrize('path', sorted(__import__('glob').glob(osp.join(CFG, '**', '*.py'),
                                                                    recursive=True)))
def test_every_adpc_config_loads(path):
    cfg = Config.fromfile(path)
    assert cfg.model.type.startswith('mmvisarch.Anytime')
    assert len(cfg.model.exit_heads) == 3
    assert cfg.test_evaluator.type == 'mmvisarch.AnytimeMetric'
    if 'adpc_' in osp.basename(path):
        assert cfg.model.adaptivity.radius == 7
        threshold = {'cityscapes': 0.998, 'pascal': 0.995, 'mpii': 0.002}
        for key, value in threshold.items():
            if key in osp.basename(path) and '/toy/' not in path:
                assert cfg.model.adaptivity.threshold == value
