"""ConvNeXt weights in torchvision's and Hugging Face transformers' layouts load and compute the same.

torchvision: its own ``convnext_tiny`` (random weights, random layer scales so
every block matters) is run in the test; our ConvNeXt-T loads its state dict
through ``init_cfg=dict(type='Pretrained')`` and must give the same pooled,
normalised features, and the offline converter must write the same tensors.

transformers (not a dependency): a state dict in the layout of
``ConvNextForImageClassification`` (names read from transformers'
``modeling_convnext.py``: ``convnext.embeddings.patch_embeddings``,
``convnext.encoder.stages.{i}.downsampling_layer``, ``layers.{j}.layernorm``,
``layer_scale_parameter``, ``convnext.layernorm``, ``classifier``) is written
by hand below from a random model; loading it must restore every tensor.
"""
import pytest
import torch

from mmvisarch.models import ConvNeXt
from tests.conftest import run_tool

TINY = dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32])


def randomize(module: torch.nn.Module, seed: int = 0) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.2)


@pytest.fixture(scope='module')
def torchvision_tiny(tmp_path_factory):
    torchvision = pytest.importorskip('torchvision')
    model = torchvision.models.convnext_tiny().eval()  # random init, no download
    randomize(model)
    path = str(tmp_path_factory.mktemp('tv') / 'convnext_tiny.pth')
    torch.save(model.state_dict(), path)
    return model, path


def test_torchvision_convnext_tiny_gives_the_same_features(torchvision_tiny):
    reference, path = torchvision_tiny
    ours = ConvNeXt('tiny', out_indices=(3,), gap_before_final_norm=True,
                    init_cfg=dict(type='Pretrained', checkpoint=path))
    ours.init_weights()
    ours.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = reference.classifier[0](reference.avgpool(reference.features(x))).flatten(1)
        got, = ours(x)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_offline_converter_reads_the_torchvision_layout(torchvision_tiny, tmp_path):
    reference, path = torchvision_tiny
    dst = str(tmp_path / 'converted.pth')
    run_tool('tools/model_converters/convnext_to_mmvisarch.py', path, dst, '--classifier')
    state = torch.load(dst, weights_only=True)['state_dict']
    ours = ConvNeXt('tiny', out_indices=(3,))
    expected = {'backbone.' + k: v for k, v in ours.state_dict().items()}
    assert set(state) == set(expected) | {'head.fc.weight', 'head.fc.bias'}
    tv = reference.state_dict()
    torch.testing.assert_close(state['head.fc.weight'], tv['classifier.2.weight'])
    torch.testing.assert_close(state['backbone.stages.2.4.gamma'],
                               tv['features.5.4.layer_scale'].flatten())
    torch.testing.assert_close(state['backbone.stages.1.0.pwconv2.weight'],
                               tv['features.3.0.block.5.weight'])
    torch.testing.assert_close(state['backbone.downsample_layers.3.1.weight'],
                               tv['features.6.1.weight'])
    torch.testing.assert_close(state['backbone.norm3.bias'], tv['classifier.0.bias'])


def hugging_face_layout(model: ConvNeXt) -> dict:
    """Our tensors under the names of transformers' ConvNextForImageClassification."""
    block = {'dwconv': 'dwconv', 'norm': 'layernorm', 'pwconv1': 'pwconv1',
             'pwconv2': 'pwconv2'}
    out = {}
    for name, value in model.state_dict().items():
        parts = name.split('.')
        if name.startswith('downsample_layers.0.'):
            layer = 'patch_embeddings' if parts[2] == '0' else 'layernorm'
            key = f'convnext.embeddings.{layer}.{parts[3]}'
        elif parts[0] == 'downsample_layers':
            key = f'convnext.encoder.stages.{parts[1]}.downsampling_layer.{parts[2]}.{parts[3]}'
        elif parts[0] == 'stages':
            base = f'convnext.encoder.stages.{parts[1]}.layers.{parts[2]}'
            key = (f'{base}.layer_scale_parameter' if parts[3] == 'gamma' else
                   f'{base}.{block[parts[3]]}.{parts[4]}')
        elif parts[0] == 'norm3':
            key = f'convnext.layernorm.{parts[1]}'
        else:
            continue
        out[key] = value.clone()
    out['classifier.weight'] = torch.randn(5, 32)
    out['classifier.bias'] = torch.randn(5)
    return out


def test_hugging_face_layout_restores_every_tensor(tmp_path):
    source = ConvNeXt(arch=TINY, out_indices=(3,), gap_before_final_norm=True).eval()
    randomize(source, seed=1)
    hf = hugging_face_layout(source)
    assert 'convnext.encoder.stages.2.layers.1.layer_scale_parameter' in hf
    path = str(tmp_path / 'hf.pth')
    torch.save(hf, path)
    loaded = ConvNeXt(arch=TINY, out_indices=(3,), gap_before_final_norm=True,
                      init_cfg=dict(type='Pretrained', checkpoint=path))
    loaded.init_weights()
    loaded.eval()
    expected = source.state_dict()
    for name, value in loaded.state_dict().items():
        torch.testing.assert_close(value, expected[name], msg=name)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x)[0], source(x)[0])
