"""Pruning report: kept ratios per stage and per 3x3 kernel position, histograms."""
import importlib.util
import os.path as osp

import numpy as np
import torch

from mmvisarch.models.backbones.pruned import PrunedResNet, PrunedVGG
from mmvisarch.pruning.io import save_checkpoint
from mmvisarch.pruning.report import kept_channels_by_stage, kernel_density_by_stage
from tests.conftest import REPO_ROOT

ARCH = dict(block='basic', depths=(2, 2), channels=(8, 16), stem='cifar', shortcut='B')


def test_kept_channels_by_stage_hand_count():
    full = PrunedResNet(ARCH).state_dict()
    spec = dict(widths={'layer1.0.conv1': 4, 'layer2.1.conv1': 12})
    pruned = PrunedResNet(ARCH, spec=spec).state_dict()
    table = kept_channels_by_stage(full, pruned)
    # stage 1 convs: conv1 8->4, conv2 8, 8, 8 -> (4 + 24) / 32; stage 2: 16,16,12,16 -> 60/64
    assert table == {0: 28 / 32, 1: 60 / 64}


def test_kernel_density_hand_pattern():
    state = PrunedResNet(ARCH).state_dict()
    for key, w in state.items():
        if w.dim() == 4 and w.shape[-1] == 3:
            w[:, :, 1, 1] = 0  # kernel centres pruned everywhere
            if key.startswith('layer2'):
                w[:, :, 0, :] = 0  # first kernel row pruned in stage 2
    table = kernel_density_by_stage(state)
    expected1 = np.ones((3, 3))
    expected1[1, 1] = 0
    expected2 = expected1.copy()
    expected2[0] = 0
    np.testing.assert_allclose(table[0], expected1)
    np.testing.assert_allclose(table[1], expected2)


def test_report_cli(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'pruning_report', osp.join(REPO_ROOT, 'tools/analysis/pruning_report.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    a, b = str(tmp_path / 'a.pth'), str(tmp_path / 'b.pth')
    torch.manual_seed(0)
    for path, spec in ((a, None), (b, dict(widths={'features.4': 4}))):
        state = PrunedVGG(dict(cfg=(8, 'M', 16)), spec=spec).state_dict()
        save_checkpoint({'backbone.' + k: v for k, v in state.items()}, path)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("default_scope = 'mmpretrain'\nmodel = dict(type='ImageClassifier', "
                   "backbone=dict(type='mmvisarch.PrunedVGG', arch=dict(cfg=(8, 'M', 16))), "
                   "neck=dict(type='GlobalAveragePooling'), head=dict(type='LinearClsHead', "
                   "num_classes=2, in_channels=16))\n")
    out = tmp_path / 'report'
    module.main([a, b, '--labels', 'unpruned', 'pruned', '--config', str(cfg), '--out', str(out)])
    report = (out / 'report.md').read_text()
    assert '| pruned | Stage 1 | Stage 2 |' in report and '| kept ratio | 1.000 | 0.250 |' in report
    assert (out / 'weights.png').stat().st_size > 1000
