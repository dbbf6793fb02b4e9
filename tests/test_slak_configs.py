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


CLASSIFIER = osp.join(TOY, 'slak-toy_1xb16_imagenet-toy-64px.py')


def checkpoint_masks(path):
    state = torch.load(path, map_location='cpu', weights_only=False)['state_dict']
    masks = {k: v for k, v in state.items() if k.endswith('weight_mask')}
    for key, mask in masks.items():
        assert (state[key[:-len('_mask')]][~mask] == 0).all(), f'{key}: weights outside mask'
    kept = sum(int(m.sum()) for m in masks.values())
    return masks, 1 - kept / sum(m.numel() for m in masks.values())


def test_toy_sparse_classifier_trains(tmp_path, toy_data_root):
    """SNIP masks, one prune-and-grow (iter 2), masks in the checkpoint, 40% sparsity."""
    work_dir = str(tmp_path / 'cls')
    result = run_tool('tools/train.py', CLASSIFIER, '--work-dir', work_dir, '--cfg-options',
                      'train_cfg.max_iters=4', 'custom_hooks.1.update_interval=2')
    log = result.stdout + result.stderr
    assert 'masks drawn at random with snip' in log and 'iter 2: prune-and-grow' in log
    masks, sparsity = checkpoint_masks(osp.join(work_dir, 'iter_4.pth'))
    assert masks and sparsity == pytest.approx(0.4, abs=0.005)


@pytest.mark.slow  # two tools/train.py runs: about 1 min on a loaded 2-core machine
def test_toy_sparse_classifier_resumes_with_its_masks(tmp_path, toy_data_root):
    """Stop at iter 8, --resume to 12: the masks of iter 8 come back, move at iter 9
    (update_interval=3), and every layer keeps its density."""
    work_dir = str(tmp_path / 'cls')
    options = ['--work-dir', work_dir, '--cfg-options', 'custom_hooks.1.update_interval=3']
    run_tool('tools/train.py', CLASSIFIER, *options, 'train_cfg.max_iters=8')
    before, _ = checkpoint_masks(osp.join(work_dir, 'iter_8.pth'))
    result = run_tool('tools/train.py', CLASSIFIER, '--resume', *options)
    log = result.stdout + result.stderr
    assert 'masks restored from the checkpoint' in log and 'iter 9: prune-and-grow' in log
    after, sparsity = checkpoint_masks(osp.join(work_dir, 'iter_12.pth'))
    assert sparsity == pytest.approx(0.4, abs=0.005)
    assert set(after) == set(before)
    assert any(not torch.equal(after[k], before[k]) for k in before), 'no update at iter 9'
    for key, mask in before.items():
        assert int(after[key].sum()) == int(mask.sum()), f'{key}: density changed'


@pytest.mark.slow  # about 40 s quiet (6 iterations + 30 sliding-window validation images)
def test_toy_segmentation_keeps_backbone_masks_fixed(tmp_path, toy_data_root):
    """Downstream recipe: masks only in the backbone (prefix), fixed (no prune-and-grow)."""
    work_dir = str(tmp_path / 'seg')
    result = run_tool('tools/train.py', osp.join(TOY, 'upernet_slak-toy_ade20k-toy-64x64.py'),
                      '--work-dir', work_dir)
    assert 'prune-and-grow' not in result.stdout + result.stderr
    masks, sparsity = checkpoint_masks(osp.join(work_dir, 'iter_6.pth'))
    assert masks and all(k.startswith('backbone.') for k in masks)
    assert sparsity == pytest.approx(0.4, abs=0.005)


@pytest.mark.slow  # about 2 min on 2 shared cores (20 Faster R-CNN iterations)
def test_toy_voc_detection_trains(tmp_path, toy_data_root):
    work_dir = str(tmp_path / 'voc')
    run_tool('tools/train.py', osp.join(TOY, 'faster-rcnn_slak-toy_fpn_voc-toy.py'),
             '--work-dir', work_dir, '--cfg-options', 'train_cfg.val_interval=100')
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
