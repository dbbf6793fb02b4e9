"""Every SLaK config loads, names SLaK with widths its heads agree with, and representative
ones build; toy configs train through tools/train.py (sparsity hook included) and resume."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from mmvisarch.models.backbones.slak import SLaK
from tests.conftest import REPO_ROOT, run_tool

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'slak', '**', '*.py'), recursive=True))
TOY = osp.join('configs', 'slak', 'toy')
BUILD = ['upernet_slak-t_4xb4-160k_ade20k-512x512.py',
         'cascade-mask-rcnn_slak-t_fpn_4conv1fc-giou_ms-crop-3x_coco.py',
         'faster-rcnn_slak-t_fpn_8xb2-ms-3x_voc0712.py', 'slak-t_32xb128_in1k.py',
         'convnext-t-k31-naive_32xb128-120e_in1k.py',
         'upernet_slak-toy_ade20k-toy-64x64.py', 'faster-rcnn_slak-toy_fpn_voc-toy.py',
         'slak-toy_1xb16_imagenet-toy-64px.py']


def backbone_channels(cfg):
    arch = cfg.model.backbone.arch
    return list(SLaK.arch_zoo[arch]['channels'] if isinstance(arch, str) else arch['channels'])


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, REPO_ROOT) for p in CONFIGS])
def test_config_loads_and_heads_fit_the_backbone(path):
    cfg = Config.fromfile(path)
    assert cfg.model.backbone.type == 'mmvisarch.SLaK'
    channels = backbone_channels(cfg)
    model = cfg.model
    if 'neck' in model:
        assert list(model.neck.in_channels) == channels
    if 'decode_head' in model:
        assert list(model.decode_head.in_channels) == channels
        assert model.auxiliary_head.in_channels == channels[2]
    if 'head' in model:
        assert model.head.in_channels == channels[-1]
    if osp.basename(path) in BUILD:
        init_default_scope(cfg.default_scope)
        model_cfg = cfg.model.copy()
        model_cfg.backbone.init_cfg = None
        built = MODELS.build(model_cfg)
        assert isinstance(built.backbone, SLaK)


def test_metafile_names_existing_configs_with_paper_numbers():
    import yaml
    meta = yaml.safe_load(open(osp.join(REPO_ROOT, 'configs', 'slak', 'metafile.yml')))
    assert {m['In Collection'] for m in meta['Models']} == {'SLaK'}
    for entry in meta['Models']:
        assert osp.isfile(osp.join(REPO_ROOT, entry['Config'])), entry['Config']
        assert all(r['Metrics'] for r in entry['Results'])
    by_name = {m['Name']: m for m in meta['Models']}
    assert by_name['slak-t_32xb128_in1k']['Results'][0]['Metrics']['Top 1 Accuracy'] == 82.5
    assert by_name['upernet_slak-t_4xb4-160k_ade20k-512x512']['Results'][0]['Metrics'][
        'mIoU'] == 47.6


@pytest.mark.slow  # two tools/train.py runs: 40 s quiet, minutes on a loaded 2-core machine
def test_toy_segmentation_trains_with_sparsity_and_resumes(tmp_path, toy_data_root):
    config = osp.join(TOY, 'upernet_slak-toy_ade20k-toy-64x64.py')
    work_dir = str(tmp_path / 'seg')
    common = ['--work-dir', work_dir, '--cfg-options', 'train_cfg.val_interval=100',
              'default_hooks.checkpoint.interval=2', 'custom_hooks.0.update_interval=2']
    run_tool('tools/train.py', config, *common, 'train_cfg.max_iters=4')  # stopped at iter 4
    first = torch.load(osp.join(work_dir, 'iter_4.pth'), map_location='cpu', weights_only=False)
    masks = {k: v for k, v in first['state_dict'].items() if k.endswith('weight_mask')}
    assert masks and all(k.startswith('backbone.') for k in masks)
    kept = sum(int(m.sum()) for m in masks.values())
    total = sum(m.numel() for m in masks.values())
    assert kept / total == pytest.approx(0.6, abs=0.01)
    result = run_tool('tools/train.py', config, '--resume', *common, 'train_cfg.max_iters=6')
    assert 'masks restored from the checkpoint' in result.stdout + result.stderr
    second = torch.load(osp.join(work_dir, 'iter_6.pth'), map_location='cpu', weights_only=False)
    for key, mask in masks.items():
        assert int(second['state_dict'][key].sum()) == int(mask.sum()), 'layer density kept'
        weight = second['state_dict'][key[:-len('_mask')]]
        assert (weight[~second['state_dict'][key]] == 0).all()


@pytest.mark.slow  # about 2 min on 2 shared cores (20 Faster R-CNN iterations)
def test_toy_voc_detection_trains(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'voc')
    run_tool('tools/train.py', osp.join(TOY, 'faster-rcnn_slak-toy_fpn_voc-toy.py'),
             '--work-dir', work_dir, '--cfg-options', 'train_cfg.val_interval=100')
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
