"""Width-spec backbones: presets against the papers' counts, spec validation and
the backbone contract (out_indices, frozen_stages, norm_eval, train() -> self)."""
import pytest
import torch
from torch import nn

from mmvisarch.models.backbones.pruned import PrunedDenseNet, PrunedResNet, PrunedVGG
from mmvisarch.pruning import list_presets, load_spec, scratch_schedule
from mmvisarch.pruning.complexity import backbone_flops, classifier_complexity

# Li et al., "Pruning Filters for Efficient ConvNets" (ICLR 2017), Tables 1-2: the
# configurations of dissertation Table 3.1 ("Configurations of Model and Pruned
# Model are both from the original paper"): (params, FLOPs) of the full and pruned models.
LI_ET_AL = {
    'cifar-vgg16-A': ('vgg16', 'vgg_cifar', 32, 10, (1.5e7, 3.13e8), (5.4e6, 2.06e8)),
    'cifar-resnet56-A': ('cifar_resnet56', 'linear', 32, 10, (8.5e5, 1.25e8), (7.7e5, 1.12e8)),
    'cifar-resnet56-B': ('cifar_resnet56', 'linear', 32, 10, (8.5e5, 1.25e8), (7.3e5, 9.09e7)),
    'cifar-resnet110-A': ('cifar_resnet110', 'linear', 32, 10, (1.72e6, 2.53e8), (1.68e6, 2.13e8)),
    'cifar-resnet110-B': ('cifar_resnet110', 'linear', 32, 10, (1.72e6, 2.53e8), (1.16e6, 1.55e8)),
}
# ResNet-34 (ImageNet): FLOPs reduction 15.5% (A) / 24.2% (B), params reduction 7.6% / 10.8%.
LI_ET_AL_RESNET34 = {'resnet34-A': (0.155, 0.076), 'resnet34-B': (0.242, 0.108)}


def _cls(spec_name):
    arch = load_spec(spec_name)['arch']
    return PrunedVGG if 'vgg' in arch else PrunedResNet


@pytest.mark.parametrize('name', [n if '110' not in n else pytest.param(n, marks=pytest.mark.slow)
                                  for n in sorted(LI_ET_AL)])
def test_cifar_l1_presets_match_li_et_al(name):
    arch, head, size, classes, full, pruned = LI_ET_AL[name]
    cls = _cls(name)
    for spec, (params, flops) in ((None, full), (name, pruned)):
        p, f = classifier_complexity(cls(arch=arch, spec=spec), classes, size, head)
        assert p == pytest.approx(params, rel=0.02), (name, spec, p)
        assert f == pytest.approx(flops, rel=0.02), (name, spec, f)


@pytest.mark.slow
def test_resnet34_presets_match_li_et_al():
    full_p, full_f = classifier_complexity(PrunedResNet('resnet34'), 1000, 224)
    for name, (flops_cut, params_cut) in LI_ET_AL_RESNET34.items():
        p, f = classifier_complexity(PrunedResNet(spec=name), 1000, 224)
        assert 1 - f / full_f == pytest.approx(flops_cut, abs=0.005), name
        assert 1 - p / full_p == pytest.approx(params_cut, abs=0.005), name


def test_resnet34_widths_match_reference_cfg():
    # anchors: ResNet-34-A = [64,44,44,128,89,89,128,256,179,...], the conv1 of each block
    cfg_a = [64, 44, 44, 128, 89, 89, 128, 256, 179, 179, 179, 179, 256, 512, 512, 512]
    widths = PrunedResNet(spec='resnet34-A').widths
    assert [widths[f'{b}.conv1'] for b in PrunedResNet('resnet34').block_names()] == cfg_a


# ThiNet (Luo et al., ICCV 2017) ResNet50-30/50/70%: 8.66M / 12.38M / 16.94M parameters.
@pytest.mark.parametrize('name,params', [('resnet50-thinet-30', 8.66e6),
                                         ('resnet50-thinet-50', 12.38e6),
                                         ('resnet50-thinet-70', 16.94e6)])
def test_thinet_presets_params(name, params):
    backbone = PrunedResNet(spec=name)
    total = sum(p.numel() for p in backbone.parameters()) + 2048 * 1000 + 1000
    assert total == pytest.approx(params, rel=0.005)


def test_preresnet164_params_match_network_slimming():
    """Network Slimming (Liu et al. 2017), Table 1: CIFAR-10 PreResNet-164 has 1.70M parameters."""
    backbone = PrunedResNet('cifar_preresnet164')
    total = sum(p.numel() for p in backbone.parameters()) + 256 * 10 + 10
    assert total == pytest.approx(1.70e6, rel=0.005)
    assert backbone.out_channels == (256,)


@pytest.mark.slow
def test_sss_presets_give_the_reference_scratch_b_schedules():
    """SSS Scratch-B (anchors sec. 4): 117/145/179 epochs, steps [35,70,105]/[43,86,129]/
    [53,106,159], from the 100-epoch, [30, 60, 90] schedule stretched by the FLOPs ratio."""
    full = backbone_flops(PrunedResNet('resnet50'), 224)
    expected = {'resnet50-sss-41': (117, [35, 70, 105]), 'resnet50-sss-32': (145, [43, 86, 129]),
                'resnet50-sss-26': (179, [53, 106, 159])}
    for name, schedule in expected.items():
        ratio = full / backbone_flops(PrunedResNet(spec=name), 224)
        assert scratch_schedule(100, [30, 60, 90], ratio, 'B', 'imagenet') == schedule, name


def test_sss_depths():
    """ResNet-41/32/26: 2 + 3 * (kept bottleneck branches) weighted layers."""
    for depth in (41, 32, 26):
        backbone = PrunedResNet(spec=f'resnet50-sss-{depth}')
        convs = [n for n, m in backbone.named_modules()
                 if isinstance(m, nn.Conv2d) and 'downsample' not in n]
        assert len(convs) + 1 == depth  # + the classifier


def test_every_preset_builds_and_runs():
    for name in list_presets():
        spec = load_spec(name)
        cls = _cls(name)
        backbone = cls(spec=name)
        assert backbone.current_spec()['widths'] == spec['widths'], name


def test_presets_named_as_in_the_papers():
    assert {'resnet34-A', 'resnet34-B', 'cifar-resnet56-A', 'cifar-resnet56-B',
            'cifar-resnet110-A', 'cifar-resnet110-B', 'cifar-vgg16-A', 'resnet50-thinet-30',
            'resnet50-thinet-50', 'resnet50-thinet-70', 'resnet50-sss-41', 'resnet50-sss-32',
            'resnet50-sss-26', 'vgg16-5x'} <= set(list_presets())


def test_resnet_keys_match_torchvision():
    torchvision = pytest.importorskip('torchvision')
    ours = set(PrunedResNet('resnet18').state_dict())
    theirs = {k for k in torchvision.models.resnet18().state_dict() if not k.startswith('fc.')}
    assert ours == theirs
    vgg = {k for k in torchvision.models.vgg16().state_dict() if k.startswith('features.')}
    assert set(PrunedVGG('imagenet_vgg16').state_dict()) == vgg


@pytest.mark.parametrize('spec,match', [
    (dict(widths={'layer1.0.conv9': 4}), 'layer1.0.conv9'),
    (dict(widths={'layer1.0.conv1': 0}), r'layer1.0.conv1.*\[1, 16\]'),
    (dict(widths={'layer2.1.conv1': 33}), r'layer2.1.conv1.*33.*\[1, 32\]'),
    (dict(widths={'layer1.0.conv1': 2.5}), 'must be an int'),
    (dict(removed_blocks=['layer4.0']), 'layer4.0'),
    (dict(widths={}, depth=3), 'unknown keys'),
])
def test_bad_spec_names_the_layer(spec, match):
    with pytest.raises(ValueError, match=match):
        PrunedResNet('cifar_resnet20', spec=spec)


def test_unknown_preset_and_arch_mismatch():
    with pytest.raises(ValueError, match='Presets'):
        PrunedResNet(spec='resnet34-Z')
    with pytest.raises(ValueError, match='does not match the spec'):
        PrunedResNet('resnet50', spec='resnet34-A')
    with pytest.raises(ValueError, match='needs `arch`'):
        PrunedResNet()
    with pytest.raises(ValueError, match='features.0'):
        PrunedVGG('vgg16', spec=dict(widths={'features.0': 65}))


TINY_RESNET = dict(block='basic', depths=(1, 1, 1), channels=(8, 16, 32), stem='imagenet')


def test_out_indices_and_channels():
    backbone = PrunedResNet(TINY_RESNET, out_indices=(0, -1))
    outs = backbone(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [8, 32] == list(backbone.out_channels)
    assert [o.shape[-1] for o in outs] == [16, 4]
    with pytest.raises(ValueError, match='out of range'):
        PrunedResNet(TINY_RESNET, out_indices=3)
    dense = PrunedDenseNet(dict(depths=(1, 1), growth_rate=4, stem_channels=4), out_indices=(0, 1))
    assert [o.shape[1] for o in dense(torch.randn(1, 3, 16, 16))] == list(dense.out_channels)


def test_frozen_stages_and_norm_eval():
    backbone = PrunedResNet(TINY_RESNET, frozen_stages=1, norm_eval=True)
    assert backbone.train() is backbone
    assert not backbone.conv1.weight.requires_grad and not backbone.bn1.training
    assert not any(p.requires_grad for p in backbone.layer1.parameters())
    assert all(p.requires_grad for p in backbone.layer2.parameters())
    assert not backbone.layer2[0].bn1.training  # norm_eval
    assert PrunedResNet(TINY_RESNET).train().layer2[0].bn1.training
    vgg = PrunedVGG(dict(cfg=(4, 'M', 8)), frozen_stages=1)
    assert not vgg.features[0].weight.requires_grad and vgg.features[4].weight.requires_grad
    with pytest.raises(ValueError, match='frozen_stages'):
        PrunedResNet(TINY_RESNET, frozen_stages=4)


def test_get_layer_depth():
    backbone = PrunedResNet(TINY_RESNET)
    assert backbone.get_layer_depth('backbone.conv1.weight', 'backbone.') == (0, 5)
    assert backbone.get_layer_depth('backbone.layer2.0.conv1.weight', 'backbone.') == (2, 5)
    assert backbone.get_layer_depth('head.fc.weight', 'backbone.') == (4, 5)
    vgg = PrunedVGG(dict(cfg=(4, 'M', 8)))
    assert [vgg.get_layer_depth(f'features.{i}.weight')[0] for i in (0, 4)] == [1, 2]
    dense = PrunedDenseNet(dict(depths=(1, 1), growth_rate=4, stem_channels=4))
    assert [dense.get_layer_depth(n)[0] for n in
            ('conv1.weight', 'dense1.0.conv.weight', 'trans1.bn.weight', 'bn.weight')] == [0, 1, 1, 2]
