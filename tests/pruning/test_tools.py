"""tools/pruning CLIs on tiny models, every pruning config builds, toy configs train."""
import glob
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmvisarch.pruning.io import build_model, save_checkpoint
from tests.conftest import REPO_ROOT, run_tool

TOY = osp.join(REPO_ROOT, 'configs', 'pruning', 'toy')
TOY_CIFAR = osp.join(TOY, 'l1-norm_resnet-tiny-pruned_1xb16-1e_cifar10-toy.py')
TOY_VOC = osp.join(TOY, 'faster-rcnn_resnet-tiny-pruned_fpn_1xb2-8i_voc07-toy.py')


def tool(name):
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO_ROOT, 'tools/pruning', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A toy classifier checkpoint with non-trivial BN scales."""
    folder = tmp_path_factory.mktemp('ckpt')
    torch.manual_seed(0)
    model = build_model(Config.fromfile(TOY_CIFAR))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.1, 1.)
    path = str(folder / 'model.pth')
    save_checkpoint(model.state_dict(), path)
    return path, model


def n_params(state):
    return sum(v.numel() for k, v in state.items() if 'running' not in k and 'num_batches' not in k)


@pytest.mark.parametrize('args', [['--method', 'l1', '--ratio', '0.5', '0.25', '0.5',
                                   '--skip', 'layer2.0'],
                                  ['--method', 'slimming', '--ratio', '0.4']])
def test_prune_structured_writes_a_smaller_model(trained, tmp_path, args):
    ckpt, model = trained
    out = tmp_path / 'pruned'
    tool('prune_structured')([TOY_CIFAR, ckpt, *args, '--out', str(out)])
    cfg = Config.fromfile(str(out / 'config.py'))
    pruned = build_model(cfg)
    state = torch.load(str(out / 'pruned.pth'), weights_only=True)['state_dict']
    pruned.load_state_dict(state, strict=True)
    assert n_params(state) < n_params(model.state_dict())
    assert cfg.load_from == str(out / 'pruned.pth')
    pruned.eval()(torch.randn(2, 3, 32, 32))
    # refuses to overwrite without --force, and never writes onto its input
    with pytest.raises(ValueError, match='--force'):
        tool('prune_structured')([TOY_CIFAR, ckpt, *args, '--out', str(out)])
    with pytest.raises(ValueError, match='never overwrite'):
        tool('prune_structured')([TOY_CIFAR, ckpt, *args, '--out', ckpt, '--force'])
    with pytest.raises(ValueError, match='never overwrite'):  # a file the tool writes
        tool('prune_structured')([TOY_CIFAR, str(out / 'pruned.pth'), *args, '--out', str(out),
                                  '--force', '--trust-checkpoint'])


def test_prune_structured_rejects_a_foreign_checkpoint(trained, tmp_path):
    ckpt, _ = trained
    other = str(tmp_path / 'other.pth')
    save_checkpoint({'backbone.conv1.weight': torch.zeros(3, 3, 3, 3)}, other)
    with pytest.raises(ValueError, match='does not match the config'):
        tool('prune_structured')([TOY_CIFAR, other, '--method', 'l1', '--ratio', '0.5',
                                  '--out', str(tmp_path / 'x')])
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        tool('prune_structured')([TOY_CIFAR, ckpt, '--method', 'l1', '--ratio', '1.2',
                                  '--out', str(tmp_path / 'y')])


def test_prune_magnitude_hits_sparsity_and_flops(trained, tmp_path):
    ckpt, _ = trained
    out = str(tmp_path / 'masked.pth')
    tool('prune_magnitude')([TOY_CIFAR, ckpt, '--sparsity', '0.5', '--input-size', '32',
                             '--out', out])
    saved = torch.load(out, weights_only=True)
    masks = saved['masks']
    kept = sum(int(m.sum()) for m in masks.values()) / sum(m.numel() for m in masks.values())
    assert 1 - kept == pytest.approx(0.5, abs=0.01)
    for key, mask in masks.items():
        assert (saved['state_dict'][key][~mask] == 0).all()
    info = saved['meta']['pruning']
    assert info['sparse_flops'] < info['dense_flops']
    # FLOPs target on all convs (the toy has no 1x1 conv), global threshold: within 1%
    out2 = str(tmp_path / 'flops.pth')
    target = info['dense_flops'] * 0.8
    tool('prune_magnitude')([TOY_CIFAR, ckpt, '--target-flops', str(target), '--scope', 'global',
                             '--input-size', '32', '--out', out2])
    info2 = torch.load(out2, weights_only=True)['meta']['pruning']
    assert info2['sparse_flops'] == pytest.approx(target, rel=0.01)
    with pytest.raises(ValueError, match='no 1x1'):
        tool('prune_magnitude')([TOY_CIFAR, ckpt, '--target-flops', '1', '--only-1x1',
                                 '--input-size', '32', '--out', str(tmp_path / 'z.pth')])


def test_scratch_budget_cli_matches_li_et_al(tmp_path):
    """ResNet-56-B: Li et al.'s FLOPs 1.25e8 -> 9.09e7 give int(160 * ratio) = 220 epochs."""
    base = osp.join(REPO_ROOT, 'configs/pruning/l1-norm_resnet56_1xb64-160e_cifar10.py')
    for preset, epochs in (('cifar-resnet56-B', int(160 * 1.25e8 / 9.09e7)),):
        out = str(tmp_path / f'{preset}.py')
        # FLOPs ratios of these all-conv backbones do not depend on the input size
        tool('scratch_budget')([base, '--pruned-spec', preset, '--mode', 'B', '--input-size', '16',
                                '--out', out])
        cfg = Config.fromfile(out)
        assert cfg.train_cfg.max_epochs == epochs
        assert cfg.model.backbone.spec['widths']
    ft = str(tmp_path / 'ft.py')
    tool('scratch_budget')([base, '--pruned-spec', 'cifar-resnet56-A', '--mode', 'finetune',
                            '--out', ft])
    cfg = Config.fromfile(ft)
    assert cfg.train_cfg.max_epochs == 40 and cfg.optim_wrapper.optimizer.lr == pytest.approx(1e-3)
    with pytest.raises(ValueError, match='Presets'):
        tool('scratch_budget')([base, '--pruned-spec', 'nope', '--mode', 'B',
                                '--out', str(tmp_path / 'n.py')])


CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs/pruning/**/*.py'), recursive=True)
                 if '/_base_/' not in p)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_every_pruning_config_builds(path):
    cfg = Config.fromfile(path)
    model = build_model(cfg)
    backbone = model.backbone
    if cfg.model.get('head', {}).get('in_channels') is not None:
        assert cfg.model.head.in_channels == backbone.out_channels[-1]


SCRATCH_B = [p for p in CONFIGS if 'scratch-b' in p and 'faster-rcnn' not in p]


@pytest.mark.slow
@pytest.mark.parametrize('path', SCRATCH_B, ids=osp.basename)
def test_scratch_b_configs_follow_the_rule(path):
    """Epochs and steps of each Scratch-B config = the budget rule on the measured FLOPs ratio."""
    from mmvisarch.pruning import scratch_schedule
    from mmvisarch.pruning.complexity import reference_flops
    cfg = Config.fromfile(path)
    base = Config.fromfile(osp.join(osp.dirname(path), cfg.filename and
                                    open(path).read().split("_base_ = ['./")[1].split("'")[0]))
    size = 32 if 'cifar' in path else 224
    ratio = reference_flops(build_model(base), size) / reference_flops(build_model(cfg), size)
    dataset = 'cifar' if 'cifar' in path else 'imagenet'
    epochs, steps = scratch_schedule(base.train_cfg.max_epochs, base.param_scheduler.milestones,
                                     ratio, 'B', dataset)
    assert cfg.train_cfg.max_epochs == epochs and cfg.param_scheduler.milestones == steps


@pytest.mark.slow
def test_toy_cifar_train_prune_test(toy_data_root, tmp_path):
    work = str(tmp_path / 'work')
    run_tool('tools/train.py', TOY_CIFAR, '--work-dir', work)
    run_tool('tools/pruning/prune_structured.py', TOY_CIFAR, osp.join(work, 'epoch_1.pth'),
             '--method', 'slimming', '--ratio', '0.3', '--out', str(tmp_path / 'p'),
             '--trust-checkpoint')
    run_tool('tools/test.py', str(tmp_path / 'p' / 'config.py'), str(tmp_path / 'p' / 'pruned.pth'))


@pytest.mark.slow
def test_toy_voc_transfer_trains(toy_data_root, tmp_path):
    run_tool('tools/train.py', TOY_VOC, '--work-dir', str(tmp_path / 'work'))


@pytest.mark.slow
def test_toy_magnitude_prune_then_finetune_keeps_masks(toy_data_root, tmp_path):
    """Table 3.6 pipeline: masks from prune_magnitude.py stay fixed while fine-tuning."""
    work = str(tmp_path / 'work')
    run_tool('tools/train.py', TOY_CIFAR, '--work-dir', work)
    masked = str(tmp_path / 'masked.pth')
    run_tool('tools/pruning/prune_magnitude.py', TOY_CIFAR, osp.join(work, 'epoch_1.pth'),
             '--sparsity', '0.8', '--input-size', '32', '--out', masked, '--trust-checkpoint')
    finetune = tmp_path / 'finetune.py'
    finetune.write_text(
        f"_base_ = ['{TOY_CIFAR}']\nload_from = '{masked}'\n"
        "custom_hooks = [dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.8, "
        "update_interval=None, prefix='backbone')]\n"
        "optim_wrapper = dict(optimizer=dict(lr=0.001))\nparam_scheduler = []\n")
    run_tool('tools/train.py', str(finetune), '--work-dir', str(tmp_path / 'ft'))
    state = torch.load(str(tmp_path / 'ft' / 'epoch_1.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    masks = torch.load(masked, weights_only=True)['masks']
    for key, mask in masks.items():
        assert (state[key][~mask] == 0).all(), key


def test_metafile_lists_every_config():
    import yaml
    meta = yaml.safe_load(open(osp.join(REPO_ROOT, 'configs/pruning/metafile.yml')))
    listed = {m['Config'] for m in meta['Models']}
    configs = {osp.relpath(p, REPO_ROOT)
               for p in glob.glob(osp.join(REPO_ROOT, 'configs/pruning/*.py'))}
    assert listed == configs
    collections = {c['Name'] for c in meta['Collections']}
    assert all(m['In Collection'] in collections for m in meta['Models'])


def test_prune_structured_on_a_detector(tmp_path):
    """Prune-D of Table 3.12: the backbone of a trained detector pruned in place."""
    cfg = Config.fromfile(TOY_VOC)
    torch.manual_seed(0)
    detector = build_model(cfg)
    ckpt = str(tmp_path / 'det.pth')
    save_checkpoint(detector.state_dict(), ckpt)
    out = tmp_path / 'pruned'
    tool('prune_structured')([TOY_VOC, ckpt, '--method', 'l1', '--ratio', '0.5',
                              '--out', str(out)])
    pruned = build_model(Config.fromfile(str(out / 'config.py')))
    state = torch.load(str(out / 'pruned.pth'), weights_only=True)['state_dict']
    pruned.load_state_dict(state, strict=True)
    assert pruned.backbone.widths['layer2.0.conv1'] == 6  # int(12 * 0.5) of the toy spec's 12
    assert n_params(state) < n_params(detector.state_dict())
