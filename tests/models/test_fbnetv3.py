"""FBNetV3 A-G against the official mobile-vision builder and "Pruning Compact
ConvNets" Table 3.

``tests/data/fbnetv3/reference.json`` was written by running the official builder
(see tests/data/README.md): the state-dict layout of every variant and the outputs
of seeded random-weight models, so a wrong width, padding, SE rule or activation
fails here.
"""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from torch import nn

from mmvisarch.analysis.complexity import fbnet_flops_by_module, fbnet_params, model_complexity
from mmvisarch.models.backbones.fbnetv3 import (FBNETV3_ARCHS, FBNetV3, IRFBlock,
                                                convert_fbnetv3_classifier, make_divisible)
from tests.conftest import REPO_ROOT

REF = osp.join(REPO_ROOT, 'tests', 'data', 'fbnetv3', 'reference.json')

# Table 3 of the paper: params (M), MFLOPs; input sizes of the mobile-vision definitions.
TABLE3 = dict(a=(8.5, 356.6, 224), b=(8.5, 461.6, 248), c=(9.9, 557.0, 248), d=(10.2, 644.4, 248),
              e=(10.7, 762.0, 264), f=(13.8, 1181.6, 272), g=(16.5, 2129.7, 320))


@pytest.fixture(scope='module')
def reference():
    with open(REF) as f:
        return json.load(f)


class Classifier(nn.Module):
    """Backbone + global pool + linear head, the mmpretrain layout of the configs."""

    def __init__(self, arch):
        super().__init__()
        self.backbone = FBNetV3(arch)
        self.neck = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1984, 1000)

    def forward(self, x):
        return self.fc(self.neck(self.backbone(x)[-1]).flatten(1))


@pytest.mark.parametrize('arch', sorted(FBNETV3_ARCHS))
def test_layout_equals_official(reference, arch):
    with torch.device('meta'):
        model = FBNetV3(arch)
    ours = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    theirs = [[k[len('backbone.'):], s] for k, s in reference['layout'][arch]
              if k.startswith('backbone.')]
    assert ours == theirs


def seeded_classifier(reference, arch):
    """Our classifier loaded with the official fixture's seeded weights (same key order)."""
    g = torch.Generator().manual_seed(reference['outputs'][arch]['seed'])
    official = {}
    for key, shape in reference['layout'][arch]:
        if key.endswith('num_batches_tracked'):
            continue
        if key.endswith('running_var'):
            official[key] = torch.rand(shape, generator=g) + 0.5
        else:
            official[key] = torch.randn(shape, generator=g) * 0.2
    converted = convert_fbnetv3_classifier(official)
    model = Classifier(arch).eval()
    missing, unexpected = model.load_state_dict(
        {k.replace('head.fc', 'fc'): v for k, v in converted.items()}, strict=False)
    assert not unexpected and all(k.endswith('num_batches_tracked') for k in missing)
    return model


@pytest.mark.parametrize('arch', ['a', 'c', 'f'])
def test_outputs_equal_official(reference, arch):
    ref = reference['outputs'][arch]
    model = seeded_classifier(reference, arch)
    x = torch.randn(2, 3, ref['size'], ref['size'], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        feat = model.backbone(x)[-1]
        logits = model(x)
    torch.testing.assert_close(feat.flatten(1)[:, :64], torch.tensor(ref['feat']),
                               rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(logits[:, :32], torch.tensor(ref['logits']), rtol=1e-4, atol=1e-3)
    assert feat.double().sum().item() == pytest.approx(ref['feat_sum'], rel=1e-4)


@pytest.mark.parametrize('arch', sorted(TABLE3))
def test_table3_params_and_flops(arch):
    params, mflops, size = TABLE3[arch]
    with torch.device('meta'):  # shapes are all the counting needs
        model = Classifier(arch)
        flops, _ = fbnet_flops_by_module(model, (torch.zeros(1, 3, size, size), ))
    assert round(fbnet_params(model) / 1e6, 1) == params
    assert round(flops / 1e6, 1) == mflops


def test_mobile_vision_reference_values():
    # model_info_fbnet_v3.json of the mobile-vision model zoo: A 356.59828 MFLOPs, 8.542224M
    with torch.device('meta'):
        model = Classifier('a')
        flops, _ = fbnet_flops_by_module(model, (torch.zeros(1, 3, 224, 224), ))
    assert flops == 356_598_280
    assert fbnet_params(model) == 8_542_224


def test_make_divisible_matches_reference_rule():
    assert make_divisible(16 * 4, 8) == 64
    assert make_divisible(36, 8) == 40  # round half away from zero: 4.5 -> 5
    assert make_divisible(6, 8) == 8  # at least the divisor
    assert make_divisible(30, 8) == 32
    assert make_divisible(60, 16) == 64


def test_less_se_channels_and_explicit_padding():
    block = IRFBlock(24, 40, 5, 2, 5, use_se=True)
    assert block.mid_channels == 120
    assert block.se.se[0].conv.out_channels == 8  # int(120 * 0.25 / 5) = 6 -> 8
    assert IRFBlock(120, 184, 3, 2, 6, use_se=True).se.se[0].conv.out_channels == 32  # 30 -> 32
    model = FBNetV3('a', out_indices=(0, 1, 2, 3, 4, 5, 6)).eval()
    outs = model(torch.zeros(1, 3, 224, 224))
    # the explicit paddings (1, 1) and (0, 0) give 13 and 6 instead of 14 and 7
    assert [o.shape[-1] for o in outs] == [112, 112, 56, 28, 13, 6, 1]
    assert model.out_channels == (16, 16, 24, 40, 120, 224, 1984)


def test_backbone_contract():
    model = FBNetV3('a', out_indices=(-3, 3), frozen_stages=2, norm_eval=True)
    assert model.out_indices == (3, 4) and model.out_channels == (40, 120)
    assert model.train() is model
    frozen = [model.stages[i] for i in range(model.stage_ends[1] + 1)]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(not m.training for m in frozen)
    assert model.stages.xif2_0.pw.conv.weight.requires_grad
    assert not model.stages.xif2_0.pw.bn.training  # norm_eval
    with pytest.raises(ValueError, match='out_indices'):
        FBNetV3('a', out_indices=7)
    with pytest.raises(ValueError, match="valid names"):
        FBNetV3('h')


def test_with_cp_same_gradients():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    plain = FBNetV3('a', out_indices=(3, 6))
    plain.init_weights()
    ckpt = FBNetV3('a', out_indices=(3, 6), with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    grads = []
    for m in (plain, ckpt):
        m.train()
        xi = x.clone().requires_grad_()
        sum(o.sum() for o in m(xi)).backward()
        grads.append(xi.grad)
    torch.testing.assert_close(grads[0], grads[1])


def test_zero_last_bn_gamma_init():
    model = FBNetV3('a')
    model.init_weights()
    assert model.stages.xif1_0.pwl.bn.weight.abs().sum() == 0  # residual block
    assert model.stages.xif2_0.pwl.bn.weight.abs().sum() > 0  # stride 2: no residual


def test_layer_depth_protocol():
    model = FBNetV3('a')
    n = len(model.stages)
    assert model.get_layer_depth('backbone.stages.xif0_0.conv.weight', 'backbone.') == (0, n + 1)
    assert model.get_layer_depth('backbone.stages.xif1_1.dw.bn.weight', 'backbone.') == (2, n + 1)
    assert model.get_layer_depth('head.fc.weight', 'backbone.') == (n, n + 1)


def test_config_complexity_convention(repo_root):
    from mmvisarch.analysis.complexity import config_complexity
    c = config_complexity(osp.join(repo_root, 'configs', 'fbnetv3', 'fbnetv3-a_in1k.py'),
                          (3, 224, 224), convention='fbnet')
    assert (round(c.params / 1e6, 1), round(c.flops / 1e6, 1)) == (8.5, 356.6)
    with pytest.raises(ValueError, match='convention'):
        model_complexity(nn.Conv2d(3, 3, 1), (3, 8, 8), convention='fvcore')


def test_get_flops_tool_fbnet_convention(repo_root):
    out = subprocess.run([sys.executable, osp.join(repo_root, 'tools', 'analysis', 'get_flops.py'),
                          osp.join(repo_root, 'configs', 'fbnetv3', 'fbnetv3-b_in1k.py'),
                          '--shape', '248', '--convention', 'fbnet'],
                         capture_output=True, text=True, cwd=repo_root, check=True).stdout
    assert 'Params: 8.54M' in out and 'FLOPs: 0.46G' in out
