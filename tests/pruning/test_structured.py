"""Channel removal on every width-spec family: the pruned model is smaller, loads
strictly and computes exactly what the original computes with the removed
channels cut off (their consumers' input weights zeroed)."""
import pytest
import torch
from torch import nn

from mmvisarch.models.backbones.pruned import PrunedDenseNet, PrunedResNet, PrunedVGG
from mmvisarch.pruning import (kept_ratio_by_stage, layer_ratios, prune_state_dict, pruned_spec,
                               select_l1, select_slimming)

TINY = {
    'resnet_basic': (PrunedResNet, dict(block='basic', depths=(2, 1), channels=(8, 16),
                                        stem='cifar', shortcut='A')),
    'resnet_bottleneck': (PrunedResNet, dict(block='bottleneck', depths=(2, 2), channels=(8, 16),
                                             stem='imagenet', shortcut='B')),
    'preresnet_basic': (PrunedResNet, dict(block='basic', depths=(2, 1), channels=(8, 16),
                                           stem='cifar', shortcut='B', preact=True)),
    'preresnet_bottleneck': (PrunedResNet, dict(block='bottleneck', depths=(1, 2),
                                                channels=(8, 16), stem='cifar', preact=True)),
    'vgg': (PrunedVGG, dict(cfg=(8, 'M', 16, 12))),
    'vgg_nobn': (PrunedVGG, dict(cfg=(8, 'M', 16, 12, 'M'), with_bn=False)),
    'densenet': (PrunedDenseNet, dict(depths=(2, 3), growth_rate=4, stem_channels=6)),
}


class Classifier(nn.Module):
    def __init__(self, backbone, num_classes=5):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_channels[-1], num_classes)

    def forward(self, x):
        return self.head(self.backbone(x)[-1].mean((2, 3)))


def randomize(model):
    """Non-trivial BN statistics and affine parameters."""
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-.5, .5)
            m.running_var.uniform_(.5, 2.)
            m.weight.data.uniform_(.2, 1.5)
            m.bias.data.uniform_(-.3, .3)
    return model


def masked_original(model, groups, keep):
    """The original with removed channels' consumers reading zeros from them."""
    masked = Classifier(model.backbone.__class__(arch=model.backbone.arch_settings))
    masked.load_state_dict(model.state_dict())
    state = masked.state_dict()
    for g in groups:
        dropped = torch.ones(g.width, dtype=torch.bool)
        dropped[keep[g.name]] = False
        dropped = torch.nonzero(dropped).flatten()
        targets = [('backbone.' + k, d, o) for k, d, o in g.slices if d == 1]
        if g.output_offset is not None:
            targets.append(('head.weight', 1, g.output_offset))
        for key, dim, offset in targets:
            state[key].index_fill_(dim, dropped + offset, 0.)
    return masked


@pytest.mark.parametrize('family', sorted(TINY))
@pytest.mark.parametrize('method', ['random', 'l1', 'slimming'])
def test_pruned_model_equals_masked_original(family, method):
    cls, arch = TINY[family]
    model = randomize(Classifier(cls(arch=arch))).eval()
    backbone = model.backbone
    groups = backbone.channel_groups()
    bb_state = {k[len('backbone.'):]: v for k, v in model.state_dict().items()
                if k.startswith('backbone.')}
    if method == 'slimming':
        if any(g.bn is None for g in groups):
            pytest.skip('no BN after the prunable convs')
        keep = select_slimming(backbone, bb_state, 0.4)
    elif method == 'l1':
        keep = select_l1(backbone, bb_state, layer_ratios(backbone, 0.5))
    else:
        gen = torch.Generator().manual_seed(1)
        keep = {g.name: torch.randperm(g.width, generator=gen)[:max(g.width // 2, 1)].sort().values
                for g in groups}
    spec = pruned_spec(backbone, keep)
    pruned_backbone = cls(arch=arch, spec=dict(widths=spec['widths'], removed_blocks=[]))
    pruned = Classifier(pruned_backbone).eval()
    state = prune_state_dict(model.state_dict(), groups, keep, prefix='backbone.',
                             output_keys=['head.weight'])
    pruned.load_state_dict(state, strict=True)
    n_orig = sum(p.numel() for p in model.parameters())
    n_pruned = sum(p.numel() for p in pruned.parameters())
    assert n_pruned < n_orig
    x = torch.randn(2, 3, 32, 32)
    expected = masked_original(model, groups, keep).eval()(x)
    torch.testing.assert_close(pruned(x), expected, rtol=1e-4, atol=1e-5)
    # the un-masked original differs, so the check above has teeth
    assert not torch.allclose(model(x), expected, atol=1e-4)


def test_removed_blocks_prune_and_run():
    arch = TINY['resnet_bottleneck'][1]
    backbone = PrunedResNet(arch=arch, spec=dict(removed_blocks=['layer1.0', 'layer2.1']))
    names = {g.name for g in backbone.channel_groups()}
    assert not any(n.startswith(('layer1.0.', 'layer2.1.')) for n in names)
    # the removed first block keeps its projection shortcut
    assert backbone.layer1[0].downsample is not None and not hasattr(backbone.layer1[0], 'conv1')
    x = torch.randn(1, 3, 32, 32)
    assert backbone(x)[-1].shape == (1, 64, 4, 4)


def test_l1_keeps_largest_filters():
    backbone = PrunedResNet(arch=TINY['resnet_basic'][1])
    state = backbone.state_dict()
    w = state['layer1.0.conv1.weight']
    norms = w.abs().flatten(1).sum(1)
    keep = select_l1(backbone, state, {'layer1.0.conv1': 0.5})
    expected = set(torch.argsort(norms, descending=True)[:4].tolist())
    assert set(keep['layer1.0.conv1'].tolist()) == expected
    assert len(keep['layer1.1.conv1']) == 8  # ratio 0 elsewhere


def test_l1_stage_ratios_and_skip():
    backbone = PrunedResNet('cifar_resnet56')
    ratios = layer_ratios(backbone, [0.6, 0.3, 0.1], skip=['layer1.7', 'layer2.0'])
    assert ratios['layer1.0.conv1'] == 0.6 and ratios['layer2.1.conv1'] == 0.3
    assert ratios['layer1.7.conv1'] == 0 and ratios['layer2.0.conv1'] == 0
    with pytest.raises(ValueError, match='stages'):
        layer_ratios(backbone, [0.1, 0.1])
    with pytest.raises(ValueError, match='layer9.0'):
        layer_ratios(backbone, 0.1, skip=['layer9.0'])


@pytest.mark.parametrize('ratio', [-0.1, 1.0, 1.5])
def test_ratio_outside_range(ratio):
    backbone = PrunedResNet(arch=TINY['resnet_basic'][1])
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        layer_ratios(backbone, ratio)
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        select_slimming(backbone, backbone.state_dict(), ratio)


def test_slimming_global_threshold():
    backbone = PrunedVGG(arch=TINY['vgg'][1])
    state = backbone.state_dict()
    gammas = {g.name: torch.linspace(0.01, 1, g.width) * (i + 1)
              for i, g in enumerate(backbone.channel_groups())}
    for g in backbone.channel_groups():
        state[f'{g.bn}.weight'] = gammas[g.name]
    keep = select_slimming(backbone, state, 0.5)
    everything = torch.cat(list(gammas.values()))
    threshold = everything.sort().values[int(len(everything) * 0.5)]
    for name, gamma in gammas.items():
        assert keep[name].tolist() == torch.nonzero(gamma > threshold).flatten().tolist()
    kept = sum(len(k) for k in keep.values())
    assert abs(kept - len(everything) / 2) <= 1
    ratios = kept_ratio_by_stage(backbone, keep)
    assert set(ratios) == {0, 1} and ratios[0] < ratios[1]


def test_slimming_needs_bn_after_conv():
    backbone = PrunedDenseNet(arch=TINY['densenet'][1])
    with pytest.raises(ValueError, match='BN after'):
        select_slimming(backbone, backbone.state_dict(), 0.3)
