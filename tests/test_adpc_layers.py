"""ADP-C layers: RBF interpolation (Eq. 2.4-2.6), masks (Eq. 2.2), masked convs."""
import math
import os

import pytest
import torch
import torch.nn.functional as F

from mmvisarch import ops
from mmvisarch.models.layers import rbf_interpolate
from mmvisarch.models.layers.masked_conv import (AdaptivityContext, MaskedConv2d,
                                                 sparse_conv2d)


# The paper's reading of Eq. 2.5-2.6 (documented options of model.adaptivity).
PAPER = dict(window='half_width', normalisation='in_image')


def _reference_rbf(feat, mask, lam, size=7):
    """The reference's fill written out pixel by pixel: a size x size window,
    weights exp(-lam^2 d^2) with the centre 0, divided everywhere by the sum of
    the window's weights + 1e-5; positions outside the image contribute 0."""
    n, c, h, w = feat.shape
    reach = size // 2
    weights = {(dy, dx): math.exp(-lam ** 2 * (dy * dy + dx * dx))
               for dy in range(-reach, reach + 1) for dx in range(-reach, reach + 1)
               if (dy, dx) != (0, 0)}
    den = sum(weights.values()) + 1e-5
    out = feat.clone()
    f_out = feat * mask
    for b in range(n):
        for y in range(h):
            for x in range(w):
                if mask[b, 0, y, x] == 1:
                    continue
                num = torch.zeros(c, dtype=feat.dtype)
                for (dy, dx), wgt in weights.items():
                    if 0 <= y + dy < h and 0 <= x + dx < w:
                        num += wgt * f_out[b, :, y + dy, x + dx]
                out[b, :, y, x] = num / den
    return out


def _direct_rbf(feat, mask, lam, radius):
    """Eq. 2.5-2.6 (paper reading) written out pixel by pixel."""
    n, c, h, w = feat.shape
    out = feat.clone()
    f_out = feat * mask
    for b in range(n):
        for y in range(h):
            for x in range(w):
                if mask[b, 0, y, x] == 1:
                    continue
                num = torch.zeros(c, dtype=feat.dtype)
                den = 0.0
                for sy in range(max(0, y - radius), min(h, y + radius + 1)):
                    for sx in range(max(0, x - radius), min(w, x + radius + 1)):
                        if (sy, sx) == (y, x):
                            continue
                        wgt = math.exp(-lam ** 2 * ((sy - y) ** 2 + (sx - x) ** 2))
                        num += wgt * f_out[b, :, sy, sx]
                        den += wgt
                out[b, :, y, x] = num / den
    return out


def test_rbf_hand_computed_values():
    # 1x3 row [a, masked, b], radius 1, lambda 1: the neighbours of the middle
    # pixel are a and b at distance 1 -> plain mean (a + b) / 2.
    feat = torch.tensor([[[[2.0, 100.0, 6.0]]]])
    mask = torch.tensor([[[[1.0, 0.0, 1.0]]]])
    out = rbf_interpolate(feat, mask, 1.0, radius=1, **PAPER)
    assert torch.allclose(out, torch.tensor([[[[2.0, 4.0, 6.0]]]]))
    # 2x2 with one masked corner: neighbours at d^2 = 1, 1, 2 with values 1, 2, 3.
    feat = torch.tensor([[[[9.0, 1.0], [2.0, 3.0]]]])
    mask = torch.tensor([[[[0.0, 1.0], [1.0, 1.0]]]])
    lam = 0.5
    w1, w2 = math.exp(-lam ** 2), math.exp(-2 * lam ** 2)
    expected = (w1 * 1 + w1 * 2 + w2 * 3) / (2 * w1 + w2)
    out = rbf_interpolate(feat, mask, lam, radius=1, **PAPER)
    assert out[0, 0, 0, 0].item() == pytest.approx(expected, rel=1e-6)
    # Masked-out neighbours count as zeros (in the denominator too).
    feat = torch.tensor([[[[4.0, 7.0, 7.0]]]])
    mask = torch.tensor([[[[1.0, 0.0, 0.0]]]])
    out = rbf_interpolate(feat, mask, 1.0, radius=1, **PAPER)
    assert out[0, 0, 0, 1].item() == pytest.approx(4.0 / 2.0)
    assert out[0, 0, 0, 2].item() == pytest.approx(0.0)


@pytest.mark.parametrize('radius,lam', [(1, 0.7), (2, 0.3), (7, 3.0)])
def test_rbf_matches_direct_formula(radius, lam):
    torch.manual_seed(0)
    feat = torch.randn(2, 3, 6, 7, dtype=torch.float64)
    mask = (torch.rand(2, 1, 6, 7) > 0.5).double()
    out = rbf_interpolate(feat, mask, lam, radius=radius, **PAPER)
    assert torch.allclose(out, _direct_rbf(feat, mask, lam, radius), atol=1e-10)


@pytest.mark.parametrize('size,lam', [(7, 3.0), (7, 0.7), (5, 0.3), (3, 1.0)])
def test_rbf_default_is_the_reference_fill(size, lam):
    torch.manual_seed(0)
    feat = torch.randn(2, 3, 6, 7, dtype=torch.float64)
    mask = (torch.rand(2, 1, 6, 7) > 0.5).double()
    out = rbf_interpolate(feat, mask, lam, radius=size)
    assert torch.allclose(out, _reference_rbf(feat, mask, lam, size), atol=1e-10)
    # Hand value: 1x3 row [a, masked, b], 7x7 window, lambda 1: two neighbours at
    # distance 1 over the constant sum of all 48 weights (+ 1e-5), not over 2 exp(-1).
    row = rbf_interpolate(torch.tensor([[[[2.0, 100.0, 6.0]]]], dtype=torch.float64),
                          torch.tensor([[[[1.0, 0.0, 1.0]]]], dtype=torch.float64), 1.0)
    s = sum(math.exp(-(dy * dy + dx * dx)) for dy in range(-3, 4) for dx in range(-3, 4)) - 1
    assert row[0, 0, 0, 1].item() == pytest.approx(8 * math.exp(-1) / (s + 1e-5), rel=1e-12)


def test_reference_window_rejects_even_radius():
    with pytest.raises(ValueError, match='odd'):
        rbf_interpolate(torch.zeros(1, 1, 3, 3), torch.ones(1, 1, 3, 3), 1.0, radius=4)


def test_rbf_gradient_reaches_lambda():
    lam = torch.tensor(0.5, requires_grad=True)
    feat = torch.randn(1, 2, 5, 5)
    mask = (torch.rand(1, 1, 5, 5) > 0.5).float()
    mask[0, 0, 0, 0] = 0
    rbf_interpolate(feat, mask, lam, radius=5).sum().backward()
    assert lam.grad is not None and lam.grad.abs() > 0


@pytest.mark.parametrize('radius', [0, -1, 2.5])
def test_rbf_rejects_bad_radius(radius):
    with pytest.raises(ValueError, match='radius'):
        rbf_interpolate(torch.zeros(1, 1, 3, 3), torch.ones(1, 1, 3, 3), 1.0, radius=radius,
                        **PAPER)
    with pytest.raises(ValueError, match='radius'):
        MaskedConv2d(2, 2, 3, radius=radius)


FUSED = [False, pytest.param(True, marks=pytest.mark.skipif(
    not ops.AVAILABLE, reason='mmvisarch._ext not built (MMVISARCH_WITH_OPS=0)'))]


def test_compiled_kernels_are_built():
    # make install builds mmvisarch/csrc; only an explicit opt-out may skip it.
    assert ops.AVAILABLE or os.environ.get('MMVISARCH_WITH_OPS') == '0'


@pytest.mark.parametrize('fused', FUSED)
@pytest.mark.parametrize('kernel,stride,padding,dilation,bias,channels,out_channels',
                         [(1, 1, 0, 1, False, 5, 4), (3, 1, 1, 1, False, 5, 4),
                          (3, 2, 1, 1, True, 5, 4), (3, 1, 2, 2, False, 5, 4),
                          (3, 1, 1, 1, True, 64, 70)])
def test_sparse_conv_equals_dense_at_active_positions(kernel, stride, padding, dilation, bias,
                                                      channels, out_channels, fused):
    # The last case crosses every block of the compiled kernel: 64 x 9 = 576 inputs per
    # pixel > 512 (reduction blocks), 70 outputs > 64 (column blocks), ~120 active
    # pixels > 64 (pixel blocks).
    torch.manual_seed(0)
    x = torch.randn(2, channels, 9, 11)
    weight = torch.randn(out_channels, channels, kernel, kernel)
    b = torch.randn(out_channels) if bias else None
    dense = F.conv2d(x, weight, b, stride, padding, dilation)
    active = torch.rand(dense.shape[0], *dense.shape[2:]) > 0.4
    with ops.fused_kernels(fused):
        sparse = sparse_conv2d(x, weight, b, (stride, stride), (padding, padding),
                               (dilation, dilation), active)
    act = active[:, None].expand_as(dense)
    # float32 rounding grows with the number of products summed (9 x channels)
    assert torch.allclose(sparse[act], dense[act], atol=1e-5 * channels / 5)
    assert torch.all(sparse[~act] == 0)


@pytest.mark.parametrize('fused', FUSED)
@pytest.mark.parametrize('rules', ['reference', 'paper'])
@pytest.mark.parametrize('gather_cost_channels', [0.0, 1e9])
def test_masked_conv_sparse_inference_equals_dense_masked_training_path(gather_cost_channels,
                                                                         rules, fused):
    torch.manual_seed(0)
    ctx = AdaptivityContext('random', ratio=0.4, gather_cost_channels=gather_cost_channels,
                            rules=rules)
    radius = 5 if rules == 'reference' else 2  # both a 5x5 window
    conv = MaskedConv2d(6, 4, 3, padding=1, radius=radius)
    conv.context = ctx
    with torch.no_grad():
        conv.rbf_lambda.fill_(0.6)  # every tap of the window matters
    x = torch.randn(1, 6, 8, 8)
    ctx.set_prediction(torch.randn(1, 3, 4, 4), exit_index=0)
    with torch.no_grad(), ops.fused_kernels(fused):
        sparse_out = conv(x)
    dense_out = conv(x)  # grad enabled -> dense-then-mask path
    assert torch.allclose(sparse_out, dense_out, atol=1e-5)
    mask = ctx.mask((8, 8))
    assert 0.3 < 1 - mask.mean().item() < 0.5
    ref = F.conv2d(x, conv.weight, conv.bias, padding=1)
    act = (mask > 0).expand_as(ref)
    assert torch.allclose(dense_out[act], ref[act], atol=1e-5)
    if rules == 'reference':
        expected = _reference_rbf(ref.double() * mask, mask.double(), 0.6, 5)
    else:
        expected = _direct_rbf(ref.double() * mask, mask.double(), 0.6, 2)
    assert torch.allclose(dense_out.double(), expected, atol=1e-5)
    # Without a prediction the layer is a plain convolution.
    ctx.reset()
    assert torch.allclose(conv(x), ref, atol=1e-6)


def test_gather_cost_model():
    # f * (1 + g / O + g / K) < 1. g = 32, O = 48, K = 432: 1 + 2/3 + 2/27 = 1.7407,
    # so gather below f = 0.5745; g = 96, O = K = 96: below 1/3; g = 0 always gathers.
    ctx = AdaptivityContext('random', gather_cost_channels=32)
    assert ctx.sparse_pays(0.574, 48, 432) and not ctx.sparse_pays(0.575, 48, 432)
    ctx = AdaptivityContext('random', gather_cost_channels=96)
    assert ctx.sparse_pays(0.333, 96, 96) and not ctx.sparse_pays(0.334, 96, 96)
    assert AdaptivityContext('random', gather_cost_channels=0).sparse_pays(0.999, 1, 1)
    auto = AdaptivityContext('random')  # 16 with the compiled kernels, 64 without
    assert auto.sparse_pays(0.6, 48, 432, fused=True)  # 0.6 * 1.370 = 0.82
    assert not auto.sparse_pays(0.6, 48, 432, fused=False)  # 0.6 * 2.481 = 1.49
    with pytest.raises(ValueError, match='gather_cost_channels'):
        AdaptivityContext('random', gather_cost_channels=-1)


@pytest.mark.parametrize('fused,dtype', [(False, torch.float64), (False, torch.float32),
                                         (FUSED[1], torch.float32)])
def test_sparse_rbf_fill_equals_direct_formula(fused, dtype):
    from mmvisarch.models.layers.masked_conv import channels_last_rows, rows_to_nchw
    from mmvisarch.models.layers.rbf import (fill_plan, rbf_denominator, rbf_kernel1d,
                                             sparse_rbf_fill)
    torch.manual_seed(0)
    feat = torch.randn(2, 5, 7, 9, dtype=torch.float64)
    computed = torch.rand(2, 1, 7, 9) > 0.5
    for lam in (0.4, 3.0):  # reach 7 and reach 1 after dropping underflowing taps
        kernel1d = rbf_kernel1d(lam, 7, feat.to(dtype))
        rows = channels_last_rows(feat.to(dtype)).clone()
        with ops.fused_kernels(fused):
            sparse_rbf_fill(rows, fill_plan(computed[:, 0], kernel1d.numel() // 2), kernel1d,
                            rbf_denominator((7, 9), kernel1d))
        expected = _direct_rbf(feat, computed.double(), lam, 7)
        tol = 1e-10 if dtype == torch.float64 else 1e-5
        assert torch.allclose(rows_to_nchw(rows, 2, 7, 9).double(), expected, atol=tol)
        # The reference's fill: 7x7 window (reach 3), constant denominator.
        kernel1d = rbf_kernel1d(lam, 3, feat.to(dtype))
        rows = channels_last_rows(feat.to(dtype)).clone()
        with ops.fused_kernels(fused):
            sparse_rbf_fill(rows, fill_plan(computed[:, 0], kernel1d.numel() // 2), kernel1d,
                            rbf_denominator((7, 9), kernel1d, 'constant'))
        expected = _reference_rbf(feat, computed.double(), lam, 7)
        assert torch.allclose(rows_to_nchw(rows, 2, 7, 9).double(), expected, atol=tol)


@pytest.mark.skipif(not ops.AVAILABLE, reason='mmvisarch._ext not built')
def test_compiled_kernels_reject_bad_inputs():
    rows = torch.randn(10, 3)
    weight = torch.randn(27, 4)
    out_index = torch.tensor([0, 1])
    with pytest.raises(RuntimeError, match='9 taps per active pixel'):
        torch.ops.mmvisarch.sparse_conv(rows, torch.zeros(10, dtype=torch.long), out_index,
                                        weight, None, 10)
    with pytest.raises(RuntimeError, match='rows must be a contiguous float32'):
        torch.ops.mmvisarch.sparse_conv(rows.double(), torch.zeros(18, dtype=torch.long),
                                        out_index, weight, None, 10)


def test_reference_mask_rules():
    # conf exactly at the threshold: computed (reference <=), confident in the paper reading.
    logits = torch.log(torch.tensor([0.5, 0.25, 0.25])).view(1, 3, 1, 1)
    assert AdaptivityContext('max_prob', threshold=0.5).compute_mask(logits).item() == 1.0
    paper = AdaptivityContext('max_prob', threshold=0.5, rules='paper')
    assert paper.compute_mask(logits).item() == 0.0
    assert AdaptivityContext('max_prob', threshold=0.5, strict_threshold=False
                             ).compute_mask(logits).item() == 0.0
    # Nearest resize (F.interpolate's default) vs bilinear: a 2x2 -> 4x4 map whose
    # confident corner stays a 2x2 block with nearest, a single pixel with bilinear
    # (bilinear logits 10, 7.5, 5.6 -> max softmax 0.99995, 0.99945, 0.996).
    pred = torch.zeros(1, 2, 2, 2)
    pred[0, 0, 0, 0] = 10.0
    ctx = AdaptivityContext("max_prob", threshold=0.9995)
    ctx.set_prediction(pred, 0)
    nearest = ctx.mask((4, 4))[0, 0]
    assert torch.equal(nearest, 1 - F.pad(torch.ones(2, 2), (0, 2, 0, 2)))
    paper.set_prediction(pred, 0)
    paper.threshold = 0.9995
    assert int((paper.mask((4, 4)) == 0).sum()) == 1
    with pytest.raises(ValueError, match='resize'):
        AdaptivityContext(resize='bicubic')
    with pytest.raises(ValueError, match='rules'):
        AdaptivityContext(rules='official')


def test_confidence_masks():
    logits = torch.zeros(1, 3, 1, 2)
    logits[0, 0, 0, 0] = 20.0  # confident
    ctx = AdaptivityContext('max_prob', threshold=0.998)
    assert ctx.compute_mask(logits).flatten().tolist() == [0.0, 1.0]
    heat = torch.tensor([[[[0.001, 0.5]]]])
    ctx = AdaptivityContext('max_value', threshold=0.002)
    assert ctx.compute_mask(heat).flatten().tolist() == [0.0, 1.0]
    ctx = AdaptivityContext('entropy', threshold=0.05)
    assert ctx.compute_mask(logits).flatten().tolist() == [0.0, 1.0]
    ctx = AdaptivityContext('topk', ratio=0.5)
    ctx.set_prediction(logits, 0)
    assert ctx.mask((1, 2)).flatten().tolist() == [0.0, 1.0]


@pytest.mark.parametrize('threshold', [0.0, -0.1, 1.5])
def test_threshold_outside_unit_interval_is_rejected(threshold):
    with pytest.raises(ValueError, match=r'\(0, 1\]'):
        AdaptivityContext('max_prob', threshold=threshold)


def test_unknown_criterion_is_rejected():
    with pytest.raises(ValueError, match='criterion'):
        AdaptivityContext('margin')
