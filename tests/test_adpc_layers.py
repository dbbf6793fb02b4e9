"""ADP-C layers: RBF interpolation (Eq. 2.4-2.6), masks (Eq. 2.2), masked convs."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmvisarch.models.layers import rbf_interpolate
from mmvisarch.models.layers.masked_conv import (AdaptivityContext, MaskedConv2d,
                                                 sparse_conv2d)


def _direct_rbf(feat, mask, lam, radius):
    """Eq. 2.5-2.6 written out pixel by pixel."""
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
    out = rbf_interpolate(feat, mask, 1.0, radius=1)
    assert torch.allclose(out, torch.tensor([[[[2.0, 4.0, 6.0]]]]))
    # 2x2 with one masked corner: neighbours at d^2 = 1, 1, 2 with values 1, 2, 3.
    feat = torch.tensor([[[[9.0, 1.0], [2.0, 3.0]]]])
    mask = torch.tensor([[[[0.0, 1.0], [1.0, 1.0]]]])
    lam = 0.5
    w1, w2 = math.exp(-lam ** 2), math.exp(-2 * lam ** 2)
    expected = (w1 * 1 + w1 * 2 + w2 * 3) / (2 * w1 + w2)
    out = rbf_interpolate(feat, mask, lam, radius=1)
    assert out[0, 0, 0, 0].item() == pytest.approx(expected, rel=1e-6)
    # Masked-out neighbours count as zeros (in the denominator too).
    feat = torch.tensor([[[[4.0, 7.0, 7.0]]]])
    mask = torch.tensor([[[[1.0, 0.0, 0.0]]]])
    out = rbf_interpolate(feat, mask, 1.0, radius=1)
    assert out[0, 0, 0, 1].item() == pytest.approx(4.0 / 2.0)
    assert out[0, 0, 0, 2].item() == pytest.approx(0.0)


@pytest.mark.parametrize('radius,lam', [(1, 0.7), (2, 0.3), (7, 3.0)])
def test_rbf_matches_direct_formula(radius, lam):
    torch.manual_seed(0)
    feat = torch.randn(2, 3, 6, 7, dtype=torch.float64)
    mask = (torch.rand(2, 1, 6, 7) > 0.5).double()
    out = rbf_interpolate(feat, mask, lam, radius=radius)
    assert torch.allclose(out, _direct_rbf(feat, mask, lam, radius), atol=1e-10)


def test_rbf_gradient_reaches_lambda():
    lam = torch.tensor(0.5, requires_grad=True)
    feat = torch.randn(1, 2, 5, 5)
    mask = (torch.rand(1, 1, 5, 5) > 0.5).float()
    mask[0, 0, 0, 0] = 0
    rbf_interpolate(feat, mask, lam, radius=2).sum().backward()
    assert lam.grad is not None and lam.grad.abs() > 0


@pytest.mark.parametrize('radius', [0, -1, 2.5])
def test_rbf_rejects_bad_radius(radius):
    with pytest.raises(ValueError, match='radius'):
        rbf_interpolate(torch.zeros(1, 1, 3, 3), torch.ones(1, 1, 3, 3), 1.0, radius=radius)
    with pytest.raises(ValueError, match='radius'):
        MaskedConv2d(2, 2, 3, radius=radius)


@pytest.mark.parametrize('kernel,stride,padding,dilation,bias',
                         [(1, 1, 0, 1, False), (3, 1, 1, 1, False), (3, 2, 1, 1, True),
                          (3, 1, 2, 2, False)])
def test_sparse_conv_equals_dense_at_active_positions(kernel, stride, padding, dilation, bias):
    torch.manual_seed(0)
    x = torch.randn(2, 5, 9, 11)
    weight = torch.randn(4, 5, kernel, kernel)
    b = torch.randn(4) if bias else None
    dense = F.conv2d(x, weight, b, stride, padding, dilation)
    active = torch.rand(dense.shape[0], *dense.shape[2:]) > 0.4
    sparse = sparse_conv2d(x, weight, b, (stride, stride), (padding, padding),
                           (dilation, dilation), active)
    act = active[:, None].expand_as(dense)
    assert torch.allclose(sparse[act], dense[act], atol=1e-5)
    assert torch.all(sparse[~act] == 0)


def test_masked_conv_sparse_inference_equals_dense_masked_training_path():
    torch.manual_seed(0)
    ctx = AdaptivityContext('random', ratio=0.4)
    conv = MaskedConv2d(6, 4, 3, padding=1, radius=2)
    conv.context = ctx
    x = torch.randn(1, 6, 8, 8)
    ctx.set_prediction(torch.randn(1, 3, 4, 4), exit_index=0)
    with torch.no_grad():
        sparse_out = conv(x)
    dense_out = conv(x)  # grad enabled -> dense-then-mask path
    assert torch.allclose(sparse_out, dense_out, atol=1e-5)
    mask = ctx.mask((8, 8))
    assert 0.3 < 1 - mask.mean().item() < 0.5
    ref = F.conv2d(x, conv.weight, conv.bias, padding=1)
    act = (mask > 0).expand_as(ref)
    assert torch.allclose(dense_out[act], ref[act], atol=1e-5)
    expected = rbf_interpolate(ref * mask, mask, conv.rbf_lambda, 2)
    assert torch.allclose(dense_out, expected, atol=1e-5)
    # Without a prediction the layer is a plain convolution.
    ctx.reset()
    assert torch.allclose(conv(x), ref, atol=1e-6)


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
