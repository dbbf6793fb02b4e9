"""ERF: hand-computable receptive fields, the area-ratio rule, large vs small kernels, the tool."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn

from mmvisarch.analysis.erf import accumulate_erf, high_contribution_ratios, normalized_erf
from mmvisarch.models.backbones import ConvNeXt, SLaK


def test_single_conv_erf_is_its_kernel_window():
    """A 5x5 all-ones conv: the centre's gradient is 1 on the 5x5 window and 0 elsewhere."""
    conv = nn.Conv2d(1, 1, 5, padding=2, bias=False)
    nn.init.ones_(conv.weight)
    images = [torch.rand(1, 33, 33) + 0.1 for _ in range(3)]
    erf = accumulate_erf(conv, images)
    expected = np.zeros((33, 33))
    expected[14:19, 14:19] = 3.0  # three images, gradient 1 each
    np.testing.assert_allclose(erf, expected)
    # uniform 5x5: a 3x3 square holds 9/25 = 36%, the 5x5 all of it
    ratios = high_contribution_ratios(normalized_erf(erf), (0.2, 0.3, 0.5, 0.99))
    assert ratios == pytest.approx({0.2: 9 / 33 ** 2, 0.3: 9 / 33 ** 2, 0.5: 25 / 33 ** 2,
                                    0.99: 25 / 33 ** 2})


def test_ratio_of_uniform_map_and_errors():
    uniform = np.ones((11, 11))
    assert high_contribution_ratios(uniform, (0.99, 1.0))[1.0] == 1.0
    with pytest.raises(ValueError, match=r'\(0, 1\]'):
        high_contribution_ratios(uniform, (0.0,))
    with pytest.raises(ValueError, match='spatial feature map'):
        accumulate_erf(nn.Sequential(nn.Conv2d(3, 2, 1), nn.Flatten()), [torch.rand(3, 8, 8)])


def test_large_kernels_spread_further_than_small_ones():
    """Fig. 3 / Table 10 ordering on random weights: SLaK's 99% square is larger."""
    torch.manual_seed(0)
    arch = dict(depths=[1, 1, 1, 1], channels=[8, 8, 8, 8])
    small = ConvNeXt(arch=arch, out_indices=(2, ), layer_scale_init_value=1.0)
    large = SLaK(arch=dict(arch, kernel_sizes=[31, 29, 27, 13], small_kernel=5),
                 out_indices=(2, ), layer_scale_init_value=1.0)
    small.init_weights(), large.init_weights()
    images = [torch.randn(3, 128, 128) for _ in range(2)]
    r_small = high_contribution_ratios(normalized_erf(accumulate_erf(small.eval(), images)))
    r_large = high_contribution_ratios(normalized_erf(accumulate_erf(large.eval(), images)))
    assert r_large[0.99] > r_small[0.99] and r_large[0.5] > r_small[0.5]


def test_visualize_erf_tool_writes_png(tmp_path, repo_root):
    images = tmp_path / 'images'
    images.mkdir()
    from PIL import Image
    for i in range(2):
        Image.fromarray((np.random.default_rng(i).random((40, 40, 3)) * 255).astype(np.uint8)
                        ).save(images / f'{i}.png')
    out = str(tmp_path / 'erf.png')
    spec = importlib.util.spec_from_file_location(
        'visualize_erf', osp.join(repo_root, 'tools', 'analysis', 'visualize_erf.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ratios = tool.main([osp.join(repo_root, 'configs', 'slak', 'toy',
                                 'upernet_slak-toy_ade20k-toy-64x64.py'),
                        '--images', str(images), '--size', '64', '--out', out])
    assert osp.getsize(out) > 0 and osp.isfile(str(tmp_path / 'erf.npy'))
    assert 0 < ratios[0.2] <= ratios[0.5] <= ratios[0.99] <= 1
    assert os.stat(out).st_mode & 0o044  # usual permissions, not mkstemp's 0600
    args = [osp.join(repo_root, 'configs', 'slak', 'toy', 'upernet_slak-toy_ade20k-toy-64x64.py'),
            '--images', str(images), '--size', '64', '--out', out]
    with pytest.raises(FileExistsError, match='--force'):
        tool.main(args)
    tool.main(args + ['--force'])
