"""ADP-C models: anytime HRNet, exit heads, per-exit losses, CA (Eq. 2.1-2.7)."""
import copy
import functools
import os.path as osp

import pytest
import torch

from mmvisarch import ops

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


@functools.lru_cache(maxsize=1)
def _toy_model() -> dict:
    return Config.fromfile(TOY).model.to_dict()


def toy_model_cfg(**overrides) -> dict:
    model = copy.deepcopy(_toy_model())
    model.update(overrides)
    return model


def build(model_cfg: dict, seed: int = 0):
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    return MODELS.build(model_cfg)


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
    x = torch.randn(2, 3, 32, 32)
    samples = data_samples(2, 32, 32)
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
    prev, mask, ctx = None, None, model.adaptivity
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


@pytest.mark.parametrize('gather_cost_channels,fused,channels_last',
                         [(0.0, False, False), (1e9, False, False), (0.0, True, True),
                          (1e9, True, False)])
def test_sparse_inference_equals_dense_masking(gather_cost_channels, fused, channels_last):
    # 0: every masked conv gathers; 1e9: dense convs, interpolation of masked rows only;
    # fused: the compiled kernels of mmvisarch.ops (when built).
    cfg = dict(criterion='random', ratio=(0.2, 0.4, 0.6),
               gather_cost_channels=gather_cost_channels)
    sparse = build(toy_model_cfg(adaptivity=dict(cfg, sparse=True))).eval()
    dense = build(toy_model_cfg(adaptivity=dict(cfg, sparse=False))).eval()
    dense.load_state_dict(sparse.state_dict())
    x = torch.randn(2, 3, 64, 64)
    if channels_last:
        sparse.to(memory_format=torch.channels_last)
    with torch.no_grad(), ops.fused_kernels(fused):
        for a, b in zip(sparse._forward(x.contiguous(memory_format=torch.channels_last)
                                        if channels_last else x), dense._forward(x)):
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
    model = build(_wide_cfg(1.0)).eval()
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    previous = None
    for threshold in (1.0, 0.3, 0.1, 0.06):
        model.adaptivity.threshold = threshold
        gflops = count_exit_gflops(model, x)
        if previous is not None:
            assert all(g <= p + 1e-12 for g, p in zip(gflops, previous)), (threshold, gflops)
        previous = gflops
    model.adaptivity.enabled = False
    dense = count_exit_gflops(model, x)
    assert previous[-1] < dense[-1]


def test_dense_counter_matches_mmengine_flop_analyzer(ee_model):
    x = torch.randn(1, 3, 64, 64)
    ours = count_exit_gflops(ee_model, x)
    traced = dense_exit_gflops(ee_model, (1, 3, 64, 64))
    assert ours == pytest.approx(traced, rel=1e-6)


def test_anytime_metric_per_exit_iou_and_gflops():
    from mmvisarch.evaluation import AnytimeMetric
    metric = AnytimeMetric(metric=dict(type='mmseg.IoUMetric', iou_metrics=['mIoU']),
                           pred_key='pred_sem_seg', num_exits=2)
    metric.dataset_meta = dict(classes=('a', 'b'))
    gt = torch.tensor([[[0, 0, 1, 1]]])
    exit1 = torch.tensor([[[0, 1, 1, 1]]])  # IoU a = 1/2, b = 2/3
    exit2 = gt.clone()  # IoU 1, 1
    sample = dict(gt_sem_seg=dict(data=gt), pred_sem_seg=dict(data=exit2),
                  pred_sem_seg_exit1=dict(data=exit1), pred_sem_seg_exit2=dict(data=exit2),
                  exit_gflops=[1.0, 3.0])
    metric.process({}, [sample, dict(sample, exit_gflops=[2.0, 5.0])])
    res = metric.evaluate(2)
    assert res['mIoU_exit1'] == pytest.approx(100 * (1 / 2 + 2 / 3) / 2, abs=0.01)
    assert res['mIoU_exit2'] == pytest.approx(100.0)
    assert res['mIoU'] == res['mIoU_exit2']
    assert res['mIoU_avg'] == pytest.approx((res['mIoU_exit1'] + 100) / 2, abs=1e-6)
    assert res['GFLOPs_exit1'] == pytest.approx(1.5) and res['GFLOPs_exit2'] == pytest.approx(4.0)
    assert not any('loss' in k for k in res)
    with pytest.raises(KeyError, match='pred_sem_seg_exit2'):
        metric.process({}, [{k: v for k, v in sample.items() if k != 'pred_sem_seg_exit2'}])


def test_seg_predict_writes_every_exit(ee_model):
    x = torch.randn(1, 3, 64, 64)
    out = ee_model.predict(x, data_samples(1, 64, 64))
    for i in range(1, 5):
        assert out[0].get(f'pred_sem_seg_exit{i}').data.shape == (1, 64, 64)
    assert torch.equal(out[0].pred_sem_seg.data, out[0].pred_sem_seg_exit4.data)
    gflops = out[0].metainfo['exit_gflops']
    assert len(gflops) == 4 and gflops == sorted(gflops)


def test_adaptivity_warmup_hook():
    from types import SimpleNamespace

    from mmvisarch.engine.hooks import AdaptivityWarmupHook
    model = build(toy_model_cfg())
    hook = AdaptivityWarmupHook(start_epoch=2)
    for epoch, expected in ((0, False), (1, False), (2, True), (5, True)):
        hook.before_train_epoch(SimpleNamespace(model=model, epoch=epoch))
        assert model.adaptivity.enabled is expected
        assert model.adaptivity.active(training=True) is expected
    with pytest.raises(ValueError, match='start_epoch'):
        AdaptivityWarmupHook(start_epoch=-1)
    with pytest.raises(TypeError, match='adaptivity'):
        hook.before_train_epoch(SimpleNamespace(model=build(toy_model_cfg(adaptivity=None)),
                                                epoch=0))
