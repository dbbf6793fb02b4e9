"""tools/deployment/pytorch2onnx.py: every family exports and onnxruntime reproduces PyTorch
(1e-4 relative, checked by the tool and again here against an independent PyTorch run),
small inputs; an existing output file is never replaced."""
import importlib.util
import os.path as osp

import pytest
import torch

pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

from tests.conftest import REPO_ROOT, run_tool  # noqa: E402

TOOL = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
CONVNEXT_CLS = osp.join('configs', 'convnext', 'toy', 'convnext-toy_1xb16_imagenet-toy-64px.py')
SLAK_CLS = osp.join('configs', 'slak', 'toy', 'slak-toy_1xb16_imagenet-toy-64px.py')
PRUNED_CLS = osp.join('configs', 'pruning', 'toy', 'l1-norm_resnet-tiny-pruned_1xb16-1e_cifar10-toy.py')


def _tool():
    spec = importlib.util.spec_from_file_location('pytorch2onnx', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ort_outputs(path, x):
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    return [torch.from_numpy(o) for o in session.run(None, {'input': x.numpy()})]


def _export_module(tmp_path, module, x, name='m.onnx'):
    tool = _tool()
    path = str(tmp_path / name)
    tool.export(module.eval(), x, path, opset=18)
    return path, tool.verify(path, module, x, rtol=1e-4)


def _rel(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def test_convnext_classifier_cli_deployed_and_never_overwrites(tmp_path):
    out = tmp_path / 'convnext.onnx'
    result = run_tool(TOOL, osp.join(REPO_ROOT, CONVNEXT_CLS), 'none', '--out', str(out),
                      '--deploy', '--shape', '48', '40')
    assert 'checked with onnxruntime' in result.stdout and out.is_file()
    logits = _ort_outputs(str(out), torch.randn(1, 3, 48, 40))[0]
    assert logits.shape == (1, 3)
    before = out.read_bytes()
    with pytest.raises(SystemExit):  # argparse: '--out ... exists; refusing to overwrite it'
        _tool().parse_args([CONVNEXT_CLS, 'none', '--out', str(out)])
    assert out.read_bytes() == before


def test_slak_classifier_deployed_in_process(tmp_path):
    tool = _tool()
    info = tool.main([osp.join(REPO_ROOT, SLAK_CLS), 'none', '--out', str(tmp_path / 's.onnx'),
                      '--deploy', '--shape', '32'])
    assert info['part'] == 'classifier' and max(info['rel_diffs']) < 1e-4


def test_pruned_classifier_and_backbone_outputs(tmp_path):
    tool = _tool()
    info = tool.main([osp.join(REPO_ROOT, PRUNED_CLS), 'none', '--out', str(tmp_path / 'p.onnx'),
                      '--deploy', '--shape', '32', '--part', 'backbone'])
    assert info['part'] == 'backbone' and info['outputs'] == ['output']


def test_isotropic_and_thinet_backbones_with_one_output_per_stage(tmp_path):
    from mmvisarch.models.backbones import ConvNeXtIsotropic
    from mmvisarch.models.backbones.pruned import PrunedResNet
    from mmvisarch.models.deploy import switch_to_deploy
    tool = _tool()
    iso = tool._Backbone(ConvNeXtIsotropic(dict(depth=2, channels=16), out_indices=(0, 1),
                                           layer_scale_init_value=0.5))
    x = torch.randn(1, 3, 32, 32)
    path, diffs = _export_module(tmp_path, switch_to_deploy(iso), x, 'iso.onnx')
    assert len(diffs) == 2 and max(diffs) < 1e-4
    thinet = tool._Backbone(PrunedResNet(spec='resnet50-thinet-30', out_indices=(2, 3)))
    thinet.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        expected = thinet(x)  # the training form: folding and export together
    path, _ = _export_module(tmp_path, switch_to_deploy(thinet), x, 'thinet.onnx')
    got = _ort_outputs(path, x)
    assert [g.shape for g in got] == [e.shape for e in expected]
    assert max(_rel(g, e) for g, e in zip(got, expected)) < 1e-4


def test_bad_arguments_are_refused(tmp_path):
    tool = _tool()
    with pytest.raises(SystemExit):
        tool.parse_args([CONVNEXT_CLS, 'none', '--out', str(tmp_path / 'x.txt')])
    with pytest.raises(ValueError, match='not an image classifier'):
        cfg_path = osp.join(REPO_ROOT, 'configs', 'convnext', 'toy',
                            'upernet_convnext-toy_ade20k-toy-64x64.py')
        tool.main([cfg_path, 'none', '--out', str(tmp_path / 'u.onnx'), '--part', 'classifier'])
