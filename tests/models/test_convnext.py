"""ConvNeXt backbone: oracle equality, checkpoint layouts, the backbone contract, errors."""
import copy
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F

from mmvisarch.models import ConvNeXt, ConvNeXtIsotropic

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'convnext')
TINY = dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32])


def official(name):
    return torch.load(osp.join(DATA, name), map_location='cpu')


def save(obj, tmp_path, name='ckpt.pth'):
    path = str(tmp_path / name)
    torch.save(obj, path)
    return path


def channel_layer_norm(x, weight, bias, eps=1e-6):
    """LayerNorm over dim 1 written out from its definition (independent of LayerNorm2d)."""
    mean = x.mean(1, keepdim=True)
    var = ((x - mean) ** 2).mean(1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight[:, None, None] + bias[:, None, None]


# --- oracle: the official implementation's outputs for the same weights -------------------

def test_matches_official_classification_features(tmp_path):
    ref = official('convnext_official_d1122_w8_outputs.pth')
    ckpt = save(official('convnext_official_d1122_w8.pth'), tmp_path)
    model = ConvNeXt(arch=ref['arch'], out_indices=-1, gap_before_final_norm=True,
                     init_cfg=dict(type='Pretrained', checkpoint=ckpt)).eval()
    model.init_weights()
    with torch.no_grad():
        (features,) = model(ref['input'])
    torch.testing.assert_close(features, ref['features'], atol=1e-5, rtol=0)


def test_matches_official_stage_outputs_for_dense_tasks(tmp_path):
    ref = official('convnext_official_d1122_w8_outputs.pth')
    ckpt = save(official('convnext_official_d1122_w8.pth'), tmp_path)
    model = ConvNeXt(arch=ref['arch'], init_cfg=dict(type='Pretrained', checkpoint=ckpt)).eval()
    model.init_weights()
    with torch.no_grad():
        outs = model(ref['input'])
    for i, (out, stage) in enumerate(zip(outs, ref['stage_outputs'])):
        norm = getattr(model, f'norm{i}')
        expected = channel_layer_norm(stage, norm.weight, norm.bias)
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_isotropic_matches_official(tmp_path):
    ref = official('convnext_iso_official_d2_w16_outputs.pth')
    ckpt = save(official('convnext_iso_official_d2_w16.pth'), tmp_path)
    model = ConvNeXtIsotropic(arch=ref['arch'], gap_before_final_norm=True,
                              layer_scale_init_value=0.5,
                              init_cfg=dict(type='Pretrained', checkpoint=ckpt)).eval()
    model.init_weights()
    with torch.no_grad():
        (features,) = model(ref['input'])
    torch.testing.assert_close(features, ref['features'], atol=1e-5, rtol=0)


# --- every known checkpoint layout loads to identical outputs ------------------------------
# The layouts are written here by hand from the key tables of anchors.md, not by our converter.

def to_official_detection(sd):
    out = {'backbone.' + k: v for k, v in sd.items() if not k.startswith(('head.', 'norm.'))}
    out.update({'backbone.norm3.' + k[5:]: v for k, v in sd.items() if k.startswith('norm.')})
    out['neck.lateral_convs.0.conv.weight'] = torch.zeros(4, 8, 1, 1)
    return {'meta': {}, 'state_dict': out}


def to_mmpretrain(sd):
    out = {}
    for k, v in sd.items():
        k = k.replace('.dwconv.', '.depthwise_conv.').replace('.pwconv1.', '.pointwise_conv1.')
        k = k.replace('.pwconv2.', '.pointwise_conv2.')
        k = 'norm3.' + k[5:] if k.startswith('norm.') else k
        k = 'head.fc.' + k[5:] if k.startswith('head.') else k
        out[('backbone.' + k) if not k.startswith('head') else k] = v
    return {'state_dict': out}


def to_timm(sd):
    out = {}
    for k, v in sd.items():
        k = k.replace('downsample_layers.0.', 'stem.')
        k = re.sub(r'^downsample_layers\.(\d)\.', r'stages.\1.downsample.', k)
        k = re.sub(r'^stages\.(\d)\.(\d+)\.', r'stages.\1.blocks.\2.', k)
        k = k.replace('.dwconv.', '.conv_dw.').replace('.pwconv1.', '.mlp.fc1.')
        k = k.replace('.pwconv2.', '.mlp.fc2.')
        k = 'head.norm.' + k[5:] if k.startswith('norm.') else k
        k = 'head.fc.' + k[5:] if re.match(r'^head\.(weight|bias)$', k) else k
        out[k] = v
    return out


def with_ema(sd):
    noisy = {k: v + 1.0 for k, v in sd.items()}
    return {'model': noisy, 'model_ema': sd, 'epoch': 3}


@pytest.mark.parametrize('layout, extra', [
    (to_official_detection, {}), (to_mmpretrain, {}), (to_timm, {}),
    (with_ema, dict(prefer_ema=True)),
    (lambda sd: {'model': {'module.' + k: v for k, v in sd.items()}}, {}),
])
def test_every_checkpoint_layout_gives_the_official_features(tmp_path, layout, extra):
    ref = official('convnext_official_d1122_w8_outputs.pth')
    ckpt = save(layout(official('convnext_official_d1122_w8.pth')['model']), tmp_path)
    model = ConvNeXt(arch=ref['arch'], out_indices=-1, gap_before_final_norm=True,
                     init_cfg=dict(type='Pretrained', checkpoint=ckpt, **extra)).eval()
    model.init_weights()
    with torch.no_grad():
        (features,) = model(ref['input'])
    torch.testing.assert_close(features, ref['features'], atol=1e-5, rtol=0)


def test_offline_converter_writes_the_official_layout(tmp_path, repo_root):
    from tests.conftest import run_tool
    src = save(to_timm(official('convnext_official_d1122_w8.pth')['model']), tmp_path, 'timm.pth')
    dst = str(tmp_path / 'converted.pth')
    run_tool('tools/model_converters/convnext_to_mmvisarch.py', src, dst)
    converted = torch.load(dst, map_location='cpu')['state_dict']
    reference = official('convnext_official_d1122_w8.pth')['model']
    expected = {('norm3.' + k[5:] if k.startswith('norm.') else k): v
                for k, v in reference.items() if not k.startswith('head.')}
    assert set(converted) == set(expected)
    for k, v in expected.items():
        torch.testing.assert_close(converted[k], v)
    with pytest.raises(AssertionError, match='exists'):
        run_tool('tools/model_converters/convnext_to_mmvisarch.py', src, dst)


def test_official_classifier_converts_to_an_mmpretrain_classifier_with_equal_logits(tmp_path):
    from tests.conftest import run_tool
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    ref = official('convnext_official_d1122_w8_outputs.pth')
    src = save(official('convnext_official_d1122_w8.pth'), tmp_path, 'official.pth')
    dst = str(tmp_path / 'classifier.pth')
    run_tool('tools/model_converters/convnext_to_mmvisarch.py', src, dst, '--classifier')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = MODELS.build(dict(
            type='ImageClassifier',
            backbone=dict(type='mmvisarch.ConvNeXt', arch=ref['arch'], out_indices=-1,
                          gap_before_final_norm=True, layer_scale_init_value=0.5),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=32))).eval()
    classifier.load_state_dict(torch.load(dst)['state_dict'], strict=True)
    with torch.no_grad():
        logits = classifier(ref['input'], mode='tensor')
    torch.testing.assert_close(logits, ref['logits'], atol=1e-5, rtol=0)


def test_checkpoint_of_another_architecture_is_an_error_naming_the_weight(tmp_path):
    ckpt = save(official('convnext_official_d1122_w8.pth'), tmp_path)
    model = ConvNeXt(arch=dict(depths=[1, 1, 2, 1], channels=[8, 16, 32, 32]),
                     init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    with pytest.raises(ValueError, match=r'downsample_layers\.2\.1\.weight: checkpoint \(24, 16, 2, 2\) vs model \(32, 16, 2, 2\).*another architecture'):
        model.init_weights()


def test_unrelated_checkpoint_is_an_error(tmp_path):
    ckpt = save({'state_dict': {'conv1.weight': torch.zeros(8, 3, 7, 7),
                                'layer1.0.conv1.weight': torch.zeros(8, 8, 3, 3)}}, tmp_path)
    model = ConvNeXt(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    with pytest.raises(ValueError, match='not a ConvNeXt checkpoint'):
        model.init_weights()


def test_missing_keys_are_reported_by_name(tmp_path):
    sd = official('convnext_official_d1122_w8.pth')['model']
    ckpt = save({'model': sd}, tmp_path)
    model = ConvNeXt(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    from mmvisarch.models.utils import init_from_pretrained
    from mmvisarch.models.backbones.convnext import convert_convnext_state_dict
    report = init_from_pretrained(model, model.init_cfg, model.convert_state_dict, 'ConvNeXt')
    # The classification checkpoint has only the final norm: norm0..2 are new for dense tasks.
    assert sorted(report['missing_keys']) == sorted(
        f'norm{i}.{p}' for i in range(3) for p in ('weight', 'bias'))
    assert report['unexpected_keys'] == []
    assert 'head.weight' not in convert_convnext_state_dict(sd)


# --- the backbone contract ------------------------------------------------------------------

@pytest.mark.parametrize('out_indices, expected', [
    ((0, 1, 2, 3), (0, 1, 2, 3)), (-1, (3, )), ([1, -1], (1, 3)), (2, (2, ))])
def test_outputs_per_out_indices(out_indices, expected):
    model = ConvNeXt(arch=TINY, out_indices=out_indices).eval()
    assert model.out_indices == expected
    assert model.out_channels == tuple(TINY['channels'][i] for i in expected)
    outs = model(torch.randn(2, 3, 64, 96))
    assert len(outs) == len(expected)
    for out, i in zip(outs, expected):
        stride = 4 * 2 ** i
        assert out.shape == (2, TINY['channels'][i], 64 // stride, 96 // stride)


def test_frozen_stages_do_not_change_in_a_training_step():
    torch.manual_seed(0)
    model = ConvNeXt(arch=TINY, frozen_stages=2, drop_path_rate=0.2)
    model.init_weights()
    model.train()
    for i in range(2):
        assert not model.stages[i].training and not model.downsample_layers[i].training
    assert model.stages[2].training
    before = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    # a random projection: a squared LayerNorm output would have almost no gradient
    loss = sum((o * torch.randn_like(o)).sum() for o in model(torch.randn(2, 3, 64, 64)))
    loss.backward()
    optimizer.step()
    after = model.state_dict()
    for name in before:
        frozen = name.startswith(('stages.0.', 'stages.1.', 'downsample_layers.0.',
                                  'downsample_layers.1.'))
        changed = not torch.equal(before[name], after[name])
        assert changed != frozen, f'{name}: frozen={frozen} but changed={changed}'


def test_with_cp_and_channels_last_give_the_same_outputs_and_grads():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    base = ConvNeXt(arch=TINY, layer_scale_init_value=1.0)
    base.init_weights()
    variants = {'plain': base, 'with_cp': ConvNeXt(arch=TINY, layer_scale_init_value=1.0,
                                                     with_cp=True)}
    variants['with_cp'].load_state_dict(base.state_dict())
    variants['channels_last'] = copy.deepcopy(base).to(memory_format=torch.channels_last)
    results = {}
    for name, model in variants.items():
        model.train()
        inp = x.clone().requires_grad_()
        if name == 'channels_last':
            inp = x.clone().to(memory_format=torch.channels_last).requires_grad_()
        outs = model(inp)
        sum(o.sum() for o in outs).backward()
        results[name] = ([o.detach().contiguous() for o in outs], inp.grad.contiguous())
    for name in ('with_cp', 'channels_last'):
        for a, b in zip(results['plain'][0], results[name][0]):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(results['plain'][1], results[name][1], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize('memory_format', [torch.contiguous_format, torch.channels_last])
def test_outputs_keep_the_input_memory_format_so_mmcv_ops_read_them_right(memory_format):
    """mmcv's CPU roi_align reads raw NCHW memory: a strided output scrambles the RoIs
    (this silently stopped the toy Mask R-CNN from learning)."""
    from mmcv.ops import roi_align
    model = ConvNeXt(arch=TINY).eval()
    x = torch.randn(2, 3, 64, 64).contiguous(memory_format=memory_format)
    with torch.no_grad():
        outs = model(x)
    rois = torch.tensor([[0., 4., 4., 40., 52.], [1., 10., 0., 60., 30.]])
    for out in outs:
        assert out.is_contiguous(memory_format=memory_format)
        if memory_format is torch.contiguous_format:
            expected = roi_align(out.clone(memory_format=torch.contiguous_format), rois, (7, 7),
                                 0.25, 2, 'avg', True)
            torch.testing.assert_close(roi_align(out, rois, (7, 7), 0.25, 2, 'avg', True), expected)


def test_train_returns_self_and_drop_path_is_off_in_eval():
    model = ConvNeXt(arch=TINY, drop_path_rate=0.5)
    assert model.train() is model and model.eval() is model
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[-1], model(x)[-1])


# --- parameter counts against the paper ----------------------------------------------------
# Tables 4.8 / 4.9 give one decimal (28.6M T, 88.6M B, 197.8M L, 350.2M XL); Table 4.1 gives
# 50M for S. The paper counts the 1000-way classifier: C*1000 + 1000 on top of the backbone.

@pytest.mark.parametrize('arch, paper_millions, decimals', [
    ('tiny', 28.6, 1), ('small', 50, 0), ('base', 88.6, 1), ('large', 197.8, 1),
    ('xlarge', 350.2, 1)])
def test_parameter_counts_match_the_paper(arch, paper_millions, decimals):
    with torch.device('meta'):
        model = ConvNeXt(arch=arch, out_indices=-1, gap_before_final_norm=True)
    backbone = sum(p.numel() for p in model.parameters())
    classifier = model.channels[-1] * 1000 + 1000
    assert round((backbone + classifier) / 1e6, decimals) == paper_millions


def test_isotropic_parameter_counts_match_table_4_2():
    # Table 4.2: ConvNeXt-S (iso.) 22M, ConvNeXt-B (iso.) 87M, with the 1000-way classifier.
    for arch, paper in (('small', 22), ('base', 87)):
        with torch.device('meta'):
            model = ConvNeXtIsotropic(arch=arch, gap_before_final_norm=True)
        total = sum(p.numel() for p in model.parameters()) + model.out_channels[-1] * 1001
        assert round(total / 1e6) == paper


# --- clear errors -----------------------------------------------------------------------------

def test_unknown_arch_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"'huge'.*\['base', 'large', 'small', 'tiny', 'xlarge'\]"):
        ConvNeXt(arch='huge')


def test_arch_dict_needs_depths_and_channels():
    with pytest.raises(ValueError, match=r"missing \['channels'\]"):
        ConvNeXt(arch=dict(depths=[1, 1, 1, 1]))
    with pytest.raises(ValueError, match='4 depths but 3 channels'):
        ConvNeXt(arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32]))


@pytest.mark.parametrize('out_indices', [4, (0, 5), -5])
def test_out_indices_out_of_range(out_indices):
    with pytest.raises(ValueError, match=r'out of range.*4 stages.*0\.\.3'):
        ConvNeXt(arch=TINY, out_indices=out_indices)


def test_frozen_stages_beyond_the_stage_count():
    with pytest.raises(ValueError, match=r'frozen_stages=5.*0 \(nothing frozen\) to 4'):
        ConvNeXt(arch=TINY, frozen_stages=5)
