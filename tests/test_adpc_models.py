"""ADP-C models: anytime HRNet, exit heads, per-exit losses, CA (Eq. 2.1-2.7)."""
import copy
import os.path as osp

import pytest
import torch

pytest.importorskip('mmseg')
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402

import mmvisarch  # noqa: E402,F401
from mmvisarch.analysis.anytime_flops import count_exit_gflops, dense_exit_gflops  # noqa: E402
from mmvisarch.models.layers.masked_conv import MaskedConv2d  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY = osp.join(REPO, 'configs/adpc/toy/adpc_hrnet-tiny_1xb2-20i_cityscapes-toy-64x128.py')


def toy_model_cfg(**overrides) -> dict:
    cfg = Config.fromfile(TOY)
    model = copy.deepcopy(cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else cfg.model)
    model.update(overrides)
    return model


def build(model_cfg: dict, seed: int = 0):
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def data_samples(n: int, h: int, w: int, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        ds = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        ds.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, h, w), generator=gen))
        samples.append(ds)
    return samples


@pytest.fixture(scope='module')
def ee_model():
    return build(toy_model_cfg(adaptivity=None)).eval()


def test_exits_shapes_at_odd_size(ee_model):
    x = torch.randn(2, 3, 62, 94)
    outs = ee_model._forward(x)
    assert len(outs) == 4
    for logits in outs:
        assert logits.shape[:2] == (2, 19)
        assert logits.shape[2:] == outs[-1].shape[2:] == (16, 24)


def test_first_k_exits_and_generator(ee_model):
    x = torch.randn(1, 3, 64, 64)
    got = [i for i, _ in ee_model.forward_exits(x, num_exits=2)]
    assert got == [1, 2]
    seen = []
    for index, logits, gflops in ee_model.anytime_inference(x):
        seen.append(gflops)
        if index == 3:
            break  # a caller may stop at any time
    assert len(seen) == 3 and seen == sorted(seen)
    budget = list(ee_model.anytime_inference(x, gflops_budget=seen[1] * 0.999))
    assert [b[0] for b in budget] == [1, 2]


@pytest.mark.parametrize('num_exits', [0, 5, -1, 2.0])
def test_exit_index_out_of_range(ee_model, num_exits):
    with pytest.raises(ValueError, match='num_exits'):
        ee_model.forward_exits(torch.zeros(1, 3, 32, 32), num_exits=num_exits)


def test_wrong_number_of_exit_heads():
    cfg = toy_model_cfg()
    cfg['exit_heads'] = cfg['exit_heads'][:2]
    with pytest.raises(ValueError, match='exit_heads'):
        build(cfg)


def test_per_exit_losses_and_weights():
    x = torch.randn(2, 3, 64, 64)
    samples = data_samples(2, 64, 64)
    losses = build(toy_model_cfg(adaptivity=None)).train().loss(x, samples)
    assert {f'loss_ce_exit{i}' for i in range(1, 5)} <= set(losses)
    assert {f'acc_seg_exit{i}' for i in range(1, 5)} <= set(losses)
    weighted = build(toy_model_cfg(adaptivity=None, exit_weights=(0.5, 0.0, 1.0, 2.0))).train()
    wl = weighted.loss(x, samples)
    for i, w in enumerate((0.5, 0.0, 1.0, 2.0), start=1):
        assert wl[f'loss_ce_exit{i}'].item() == pytest.approx(w * losses[f'loss_ce_exit{i}'].item(),
                                                              rel=1e-5, abs=1e-7)
    total = sum(v for k, v in wl.items() if 'loss' in k)
    total.backward()
    assert weighted.exit_heads[0].conv_seg.weight.grad.abs().sum() > 0


def test_bad_exit_weights():
    with pytest.raises(ValueError, match='exit_weights'):
        build(toy_model_cfg(exit_weights=(1, 1)))


def test_adaptivity_converts_convs_after_exit1_only():
    model = build(toy_model_cfg())
    assert not any(isinstance(m, MaskedConv2d) for m in model.backbone.layer1.modules())
    assert not any(isinstance(m, MaskedConv2d) for m in model.exit_heads[0].modules())
    assert any(isinstance(m, MaskedConv2d) for m in model.backbone.stage4.modules())
    assert isinstance(model.decode_head.conv_seg, MaskedConv2d)
    # HRNet parameter names are unchanged: a plain model's weights load strictly
    # apart from the new RBF lambdas.
    plain = build(toy_model_cfg(adaptivity=None))
    missing, unexpected = model.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and all(k.endswith('rbf_lambda') for k in missing)


def test_masked_positions_keep_previous_prediction():
    model = build(toy_model_cfg(adaptivity=dict(criterion='random', ratio=(0.3, 0.5, 0.7))))
    model.eval()
    x = torch.randn(1, 3, 64, 96)
    prev, ctx = None, model.adaptivity
    with torch.no_grad():
        for index, logits in model.forward_exits(x):
            if prev is not None:
                kept = (mask == 0).expand_as(logits)
                assert kept.any() and (~kept).any()
                assert torch.equal(logits[kept], prev[kept])
                assert not torch.allclose(logits[~kept], prev[~kept])
            mask = ctx.mask(logits.shape[2:]).clone()  # M_index, used until the next exit
            assert mask.mean().item() == pytest.approx(1 - (0.3, 0.5, 0.7, 0.7)[index - 1],
                                                       abs=0.02)
            prev = logits


def test_no_confident_pixel_equals_early_exiting():
    # threshold 1.0: softmax never reaches it on a random model -> nothing masked,
    # CA must then reproduce EE+RH exactly (masked convs == dense convs).
    ca = build(toy_model_cfg(adaptivity=dict(threshold=1.0))).eval()
    ee = build(toy_model_cfg(adaptivity=None)).eval()
    ee.load_state_dict(ca.state_dict(), strict=False)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(ca._forward(x), ee._forward(x)):
            assert torch.allclose(a, b, atol=1e-5)


def test_sparse_inference_equals_dense_masking():
    cfg = dict(criterion='random', ratio=(0.2, 0.4, 0.6))
    sparse = build(toy_model_cfg(adaptivity=dict(cfg, sparse=True))).eval()
    dense = build(toy_model_cfg(adaptivity=dict(cfg, sparse=False))).eval()
    dense.load_state_dict(sparse.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(sparse._forward(x), dense._forward(x)):
            assert torch.allclose(a, b, atol=1e-4)


def _wide_cfg(threshold: float) -> dict:
    """Widths at which a masked value is cheaper than computing it."""
    cfg = toy_model_cfg(adaptivity=dict(threshold=threshold))
    cfg['backbone']['extra']['stage4']['num_channels'] = (32, 48, 64, 96)
    for k, chans in ((2, (32, 48)), (3, (32, 48, 64))):
        cfg['backbone']['extra'][f'stage{k}']['num_channels'] = chans
    ins = ([32], [32, 48], [32, 48, 64])
    for head, c in zip(cfg['exit_heads'], ins):
        head.update(in_channels=c, channels=32)
    cfg['decode_head'].update(in_channels=[32, 48, 64, 96], channels=32)
    return cfg


def test_lower_threshold_never_increases_flops():
    base = build(_wide_cfg(0.9))
    x = torch.randn(1, 3, 64, 128, generator=torch.Generator().manual_seed(3))
    previous = None
    for threshold in (1.0, 0.5, 0.2, 0.1, 0.06):
        model = build(_wide_cfg(threshold)).eval()
        model.load_state_dict(base.state_dict())
        gflops = count_exit_gflops(model, x)
        if previous is not None:
            assert all(g <= p + 1e-12 for g, p in zip(gflops, previous)), (threshold, gflops)
        previous = gflops
    dense = count_exit_gflops(build(_wide_cfg(1.0)).eval(), x)
    assert previous[-1] < dense[-1]


def test_dense_counter_matches_mmengine_flop_analyzer(ee_model):
    x = torch.randn(1, 3, 64, 64)
    ours = count_exit_gflops(ee_model, x)
    traced = dense_exit_gflops(ee_model, (1, 3, 64, 64))
    assert ours == pytest.approx(traced, rel=1e-6)
