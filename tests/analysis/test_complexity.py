"""Parameters and FLOPs against the ConvNeXt chapter's tables and hand counts.

Paper numbers: Table 4.1 (ImageNet, 224x224), Table 4.3 (COCO, 1280x800),
Table 4.4 (ADE20K UperNet, 2048x512), Table 4.8 (ConvNeXt-T: 4.5e9 FLOPs,
28.6e6 params). Tolerance: 2% (the tables round to 2-3 significant digits).
"""
import importlib.util
import os.path as osp
import re

import pytest
import torch
from torch import nn

from mmvisarch.analysis.complexity import (config_complexity, measure_throughput,
                                           model_complexity)
from mmvisarch.models.backbones import ConvNeXt
from tests.conftest import REPO_ROOT

CONFIGS = osp.join(REPO_ROOT, 'configs', 'convnext')


def run_cli(name: str, argv: list, capsys) -> str:
    """Run ``tools/analysis/<name>.py``'s ``main(argv)`` in-process; return its stdout."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO_ROOT, 'tools', 'analysis', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()
    module.main(argv)
    return capsys.readouterr().out


class Classifier(nn.Module):
    """ConvNeXt + a 1000-way linear head, as in Table 4.1."""

    def __init__(self, arch: str, channels: int) -> None:
        super().__init__()
        self.backbone = ConvNeXt(arch, out_indices=-1, gap_before_final_norm=True)
        self.head = nn.Linear(channels, 1000)

    def forward(self, x):
        return self.head(self.backbone(x)[-1])


def test_single_conv_hand_count():
    # 8 output channels x 3 input channels x 3x3 taps x 16x16 positions
    result = model_complexity(nn.Conv2d(3, 8, 3, padding=1), (3, 16, 16))
    assert result.flops == 8 * 3 * 9 * 16 * 16
    assert result.params == 8 * 3 * 9 + 8


def test_convnext_t_module_matches_paper():
    result = model_complexity(Classifier('tiny', 768), (3, 224, 224))
    assert result.gflops == pytest.approx(4.5, rel=0.02)
    assert result.mparams == pytest.approx(28.6, rel=0.01)


def test_convnext_t_config_cli_matches_paper(capsys):
    config = osp.join(CONFIGS, 'convnext-t_32xb128_in1k.py')
    out = run_cli('get_flops', [config, '--shape', '224', '224'], capsys)
    params = float(re.search(r'Params: ([\d.]+)M', out).group(1))
    flops = float(re.search(r'FLOPs: ([\d.]+)G', out).group(1))
    assert params == pytest.approx(28.6, rel=0.01)
    assert flops == pytest.approx(4.5, rel=0.02)


@pytest.mark.parametrize('shape', [(224, 224), (3, 0, 224), (3, 224, 224.0)])
def test_bad_input_shape(shape):
    with pytest.raises(ValueError, match='input_shape'):
        model_complexity(nn.Conv2d(3, 8, 3), shape)


def test_config_without_model(tmp_path):
    config = tmp_path / 'empty.py'
    config.write_text('x = 1\n')
    with pytest.raises(ValueError, match='model'):
        config_complexity(str(config))


def test_measure_throughput_runs_warmup_plus_iters():
    calls = []

    class Counter(nn.Module):

        def forward(self, x):
            calls.append(x.is_contiguous(memory_format=torch.channels_last))
            return x

    rate = measure_throughput(Counter(), torch.zeros(4, 3, 8, 8), warmup=2, iters=3,
                              channels_last=True)
    assert len(calls) == 5 and all(calls) and rate > 0
    assert measure_throughput(nn.Conv2d(3, 4, 3), torch.zeros(2, 3, 8, 8), warmup=0, iters=1,
                              amp='bf16') > 0


@pytest.mark.parametrize('kwargs, message', [(dict(amp='int8'), 'amp'),
                                             (dict(iters=0), 'iters')])
def test_measure_throughput_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure_throughput(nn.Identity(), torch.zeros(1, 3, 4, 4), **kwargs)


def test_benchmark_cli_on_toy_config(capsys):
    out = run_cli('benchmark', [
        osp.join(CONFIGS, 'toy', 'convnext-toy_1xb16_imagenet-toy-64px.py'), '--shape', '64',
        '--batch-size', '2', '--warmup', '0', '--iters', '1', '--device', 'cpu'], capsys)
    assert float(re.search(r'Throughput: ([\d.]+) images/s', out).group(1)) > 0


@pytest.mark.slow
@pytest.mark.parametrize('arch, channels, gflops, mparams', [
    ('small', 768, 8.7, 50), ('base', 1024, 15.4, 89), ('large', 1536, 34.4, 198),
    ('xlarge', 2048, 60.9, 350)])
def test_convnext_sizes_match_table_4_1(arch, channels, gflops, mparams):
    result = model_complexity(Classifier(arch, channels), (3, 224, 224))
    assert result.gflops == pytest.approx(gflops, rel=0.02)
    assert result.mparams == pytest.approx(mparams, rel=0.02)


@pytest.mark.slow
@pytest.mark.parametrize('config, shape, gflops, mparams', [
    ('mask-rcnn_convnext-t-p4-w7_fpn_amp-ms-crop-3x_coco.py', (800, 1280), 262, 48),
    ('cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py',
     (800, 1280), 741, 86),
    ('upernet_convnext-t_8xb2-amp-160k_ade20k-512x512.py', (512, 2048), 939, 60),
    ('upernet_convnext-s_8xb2-amp-160k_ade20k-512x512.py', (512, 2048), 1027, 82),
    ('upernet_convnext-b_8xb2-amp-160k_ade20k-512x512.py', (512, 2048), 1170, 122),
])
def test_dense_models_match_tables_4_3_and_4_4(config, shape, gflops, mparams):
    result = config_complexity(osp.join(CONFIGS, config), (3, *shape))
    assert result.gflops == pytest.approx(gflops, rel=0.02)
    assert result.mparams == pytest.approx(mparams, rel=0.02)
