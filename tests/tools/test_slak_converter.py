"""tools/model_converters/convnext_to_mmvisarch.py on every SLaK checkpoint layout: the
official classification release (``LoRA1/2``), the older releases' ``Decom1/Decom2`` names, the
naive ``lkb_origin`` kernels and the official detection/segmentation layout (``backbone.``);
each converts to keys that load strictly into :class:`SLaK` and reproduce the official
outputs (tests/data/slak, generated with the official model code)."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmvisarch.models.backbones.slak import SLaK

ROOT = osp.join(osp.dirname(__file__), '..', '..')
DATA = osp.join(ROOT, 'tests', 'data', 'slak')
TINY = dict(depths=[1, 1, 2, 1], channels=[10, 20, 31, 41], kernel_sizes=[13, 11, 9, 7],
            small_kernel=3)


def _tool():
    spec = importlib.util.spec_from_file_location(
        'convnext_to_mmvisarch', osp.join(ROOT, 'tools', 'model_converters',
                                          'convnext_to_mmvisarch.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(name):
    return torch.load(osp.join(DATA, name), map_location='cpu', weights_only=True)


def _decom(state):
    return {k.replace('.LoRA1.', '.Decom1.').replace('.LoRA2.', '.Decom2.'): v
            for k, v in state.items()}


def _detection(state):
    out = {'backbone.' + k: v for k, v in state.items() if not k.startswith(('head.', 'norm.'))}
    out.update({'backbone.norm3.' + k[5:]: v for k, v in state.items() if k.startswith('norm.')})
    out['neck.lateral_convs.0.conv.weight'] = torch.zeros(1)
    return {'state_dict': out}


@pytest.mark.parametrize('tag, layout', [
    ('decomposed', 'official'), ('decomposed', 'decom'), ('decomposed', 'detection'),
    ('decomposed', 'detection-decom'), ('naive', 'official'), ('naive', 'detection')])
def test_every_slak_layout_converts_and_loads(tmp_path, tag, layout):
    state = _load(f'slak_tiny_{tag}_official.pth')['model']
    if 'decom' in layout:
        state = _decom(state)
        assert sum('Decom' in k for k in state) > 0
    checkpoint = _detection(state) if layout.startswith('detection') else {'model': state}
    src, dst = str(tmp_path / 'src.pth'), str(tmp_path / 'dst.pth')
    torch.save(checkpoint, src)
    assert _tool().main([src, dst]) == 0
    converted = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    model = SLaK(arch=TINY, decomposed=(tag == 'decomposed'), out_indices=(3,),
                 gap_before_final_norm=True, layer_scale_init_value=1.0)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected and not [k for k in missing if not k.endswith('num_batches_tracked')]
    io = _load('slak_tiny_official_io.pth')
    with torch.no_grad():
        features = model.eval()(io['input'])[0]
    torch.testing.assert_close(features, io[tag]['features'], atol=1e-5, rtol=1e-5)


def test_family_is_detected_and_can_be_forced():
    tool = _tool()
    state = _decom(_load('slak_tiny_decomposed_official.pth')['model'])
    assert tool.detect_family(state) == 'slak'
    assert tool.detect_family({'downsample_layers.0.0.weight': 0, 'stages.0.0.dwconv.weight': 0}) \
        == 'convnext'
    with pytest.raises(SystemExit):
        tool.main(['a.pth', 'b.pth', '--family', 'resnet'])
