"""Parameters, FLOPs and throughput of any host model (FLOPs on ``mmengine.analysis``).

The ConvNeXt chapter (dissertation Sec. 4.4-4.5, Tables 4.1-4.4) reports FLOPs as
multiply-adds of one image: 224x224 for classifiers, 1280x800 for COCO detectors
and 2048x512 (or 2560x640) for ADE20K segmentors. This module runs one dummy
image through the inference path of a model built from any OpenMMLab config and
counts it with mmengine's :class:`~mmengine.analysis.FlopAnalyzer` (fvcore rules:
one multiply-add is one FLOP). The inference path is the host's ``mode='tensor'``
forward, as the hosts' own ``get_flops`` tools use:

* classifiers (mmpretrain): backbone, neck and head logits;
* two-stage detectors (mmdet, with ``roi_head``): the convention of the papers'
  mmdet 2.x ``forward_dummy`` (Table 4.3's FLOPs): backbone, neck, RPN head, every
  bbox-head stage on 1000 proposals and every mask-head stage on the first 100
  (mmdet 3.x ``CascadeRoIHead.forward`` runs the mask heads on all 1000 proposals,
  which triples Cascade Mask R-CNN's count);
* other detectors (mmdet): ``_forward`` on a dummy data sample of the requested size;
* segmentors (mmseg): backbone and decode head, no auxiliary head (``_forward``);
* plain modules (backbones): ``module(x)``.

:func:`measure_throughput` times the same inference path (images/s), as the
chapter's throughput columns (Tables 4.1, 4.12) do for classifiers.
"""
import contextlib
import time
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config
from mmengine.model import BaseModel, revert_sync_batchnorm
from torch import nn


@dataclass
class Complexity:
    """Counted complexity of a model for one input.

    Attributes:
        flops: multiply-adds of one forward pass.
        params: number of parameters of the whole model.
        input_shape: (C, H, W) of the input.
    """

    flops: int
    params: int
    input_shape: Tuple[int, int, int]

    @property
    def gflops(self) -> float:
        return self.flops / 1e9

    @property
    def mparams(self) -> float:
        return self.params / 1e6

    def __str__(self) -> str:
        c, h, w = self.input_shape
        return (f'Input shape: ({c}, {h}, {w})\n'
                f'Params: {self.mparams:.2f}M\n'
                f'FLOPs: {self.gflops:.2f}G')


class _TensorForward(nn.Module):
    """Call ``model`` on an image tensor the way its host's inference path does."""

    def __init__(self, model: nn.Module, data_samples: Optional[list]) -> None:
        super().__init__()
        self.model = model
        self.data_samples = data_samples

    def forward(self, inputs: torch.Tensor):
        if isinstance(self.model, BaseModel):
            return self.model(inputs, self.data_samples, mode='tensor')
        return self.model(inputs)


class _RoIDummyForward(nn.Module):
    """mmdet 2.x ``forward_dummy`` of a two-stage detector, on mmdet 3.x modules."""

    def __init__(self, model: nn.Module, height: int, width: int, num_proposals: int = 1000,
                 num_mask_rois: int = 100) -> None:
        super().__init__()
        from mmdet.structures.bbox import bbox2roi
        self.model = model
        self.num_mask_rois = num_mask_rois
        generator = torch.Generator().manual_seed(0)
        xy = torch.rand(num_proposals, 2, generator=generator) * torch.tensor([width, height])
        wh = torch.rand(num_proposals, 2, generator=generator) * torch.tensor([width, height]) / 4
        boxes = torch.cat([xy, (xy + wh).minimum(torch.tensor([width, height]))], dim=1)
        device = next(model.parameters()).device
        self.register_buffer('boxes', boxes.to(device), persistent=False)
        self.bbox2roi = bbox2roi

    def forward(self, inputs: torch.Tensor) -> tuple:
        model, head = self.model, self.model.roi_head
        feats = model.extract_feat(inputs)
        outs = tuple(model.rpn_head(feats)) if getattr(model, 'with_rpn', False) else ()
        stages = list(range(head.num_stages)) if hasattr(head, 'num_stages') else [None]

        # the same proposals for every image of the batch; masks on the first ones of each
        rois = self.bbox2roi([self.boxes] * inputs.shape[0])
        mask_rois = self.bbox2roi([self.boxes[:self.num_mask_rois]] * inputs.shape[0])

        def run(method, stage, rois):
            return method(feats, rois) if stage is None else method(stage, feats, rois)

        for stage in stages if head.with_bbox else []:
            results = run(head._bbox_forward, stage, rois)
            outs += (results['cls_score'], results['bbox_pred'])
        for stage in stages if head.with_mask else []:
            outs += (run(head._mask_forward, stage, mask_rois)['mask_preds'], )
        return outs


def _dummy_data_samples(model: nn.Module, height: int, width: int) -> Optional[list]:
    """Data samples the host's tensor forward needs (mmdet detectors only)."""
    if not type(model).__module__.startswith('mmdet.'):
        return None
    from mmdet.structures import DetDataSample
    shape = (height, width)
    return [DetDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape,
                                        batch_input_shape=shape, scale_factor=(1., 1.)))]


def _check_shape(input_shape: Sequence[int]) -> Tuple[int, int, int]:
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValueError(f'input_shape must be three positive ints (C, H, W), '
                         f'got {input_shape!r}.')
    return shape


def inference_module(model: nn.Module, height: int, width: int) -> nn.Module:
    """``model`` wrapped so that ``module(images)`` runs its host's inference path.

    The same path that :func:`model_complexity` counts: classifier logits,
    detector RoI heads on 1000 proposals (masks on 100), segmentor decode head.
    """
    if type(model).__module__.startswith('mmdet.') and hasattr(model, 'roi_head'):
        return _RoIDummyForward(model, height, width).eval()
    return _TensorForward(model, _dummy_data_samples(model, height, width)).eval()


def flops_by_module(model: nn.Module, inputs: Tuple[torch.Tensor, ...]
                    ) -> Tuple[int, Dict[str, int]]:
    """Total FLOPs (multiply-adds) of ``model(*inputs)`` in eval mode, and FLOPs per module.

    The one place that runs mmengine's :class:`FlopAnalyzer`; sparsity-aware
    counts (SLaK, magnitude pruning) scale its per-module numbers by density.
    """
    was_training = model.training
    model.eval()
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    try:
        with torch.no_grad():
            per_module = {name: int(v) for name, v in analyzer.by_module().items()}
            total = int(analyzer.total())
    finally:
        model.train(was_training)
    return total, per_module


def model_complexity(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224),
                     convention: str = 'mmengine') -> Complexity:
    """Count the parameters and FLOPs of ``model`` for one image.

    Args:
        model: a host model (classifier, detector, segmentor) or a plain module.
            It is put in eval mode; SyncBN layers are replaced by BN.
        input_shape: (C, H, W) of the image. Defaults to (3, 224, 224).
        convention: 'mmengine' (fvcore rules through mmengine's FlopAnalyzer,
            every parameter counted) or 'fbnet' (mobile-vision's convention of
            the FBNetV3 / "Pruning Compact ConvNets" tables: conv and linear
            weight multiply-adds plus average-pool inputs; params = conv and
            linear weights). Defaults to 'mmengine'.

    Returns:
        Complexity: FLOPs (multiply-adds) and parameter count.
    """
    c, h, w = _check_shape(input_shape)
    model = revert_sync_batchnorm(model).eval()
    wrapper = inference_module(model, h, w)
    device = next(model.parameters()).device
    inputs = torch.randn(1, c, h, w, device=device)
    if convention not in FLOPS_COUNTERS:
        raise ValueError(f'Unknown FLOPs convention {convention!r}; valid: {sorted(FLOPS_COUNTERS)}.')
    if convention == 'fbnet':
        flops, _ = fbnet_flops_by_module(wrapper, (inputs, ))
        return Complexity(flops=int(flops), params=fbnet_params(model), input_shape=(c, h, w))
    flops, _ = flops_by_module(wrapper, (inputs, ))
    return Complexity(flops=int(flops), params=int(parameter_count(model)['']),
                      input_shape=(c, h, w))


def fbnet_flops_by_module(model: nn.Module, inputs: Tuple[torch.Tensor, ...]
                          ) -> Tuple[int, Dict[str, int]]:
    """Total FLOPs of ``model(*inputs)`` in the mobile-vision convention, and per module.

    The convention of ``mobile_cv.lut`` (``FlopsEstimation``, facebookresearch/
    mobile-vision) that gives the FBNetV3 numbers of "Pruning Compact ConvNets"
    Table 3: multiply-adds of every conv / linear weight (bias not counted), plus
    the input elements of every average pool (SE squeezes, global pools); BN,
    activations and additions are free. Per-module counts are keyed by module
    name (leaf modules only), like :func:`flops_by_module`.
    """
    per_module: Dict[str, int] = {}
    hooks = []

    def hook(name: str):
        def count(m: nn.Module, args, out):
            if isinstance(m, nn.Conv2d):  # out elements x (in / groups) x kh x kw
                n = out.numel() * m.weight[0].numel()
            elif isinstance(m, nn.Linear):
                n = out.numel() * m.in_features
            else:  # average pools: their input elements
                n = args[0].numel()
            per_module[name] = per_module.get(name, 0) + int(n)
        return count

    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.AdaptiveAvgPool2d, nn.AvgPool2d)):
            hooks.append(m.register_forward_hook(hook(name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return sum(per_module.values()), per_module


def fbnet_params(model: nn.Module) -> int:
    """Parameters in the mobile-vision convention: conv and linear weights only."""
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


#: FLOPs counters by convention name (``tools/analysis/get_flops.py --convention``).
FLOPS_COUNTERS = {'mmengine': flops_by_module, 'fbnet': fbnet_flops_by_module}


def build_model_from_config(config: Union[str, Config]) -> nn.Module:
    """Build the model of an OpenMMLab config in its host's default scope.

    Pretrained weights are not loaded (``init_weights`` is not called).
    """
    from mmengine.registry import MODELS, init_default_scope
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if 'model' not in cfg:
        raise ValueError('The config has no `model` field to build.')
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    return MODELS.build(cfg.model)


def config_complexity(config: Union[str, Config],
                      input_shape: Sequence[int] = (3, 224, 224),
                      convention: str = 'mmengine') -> Complexity:
    """:func:`model_complexity` of the model of ``config``."""
    return model_complexity(build_model_from_config(config), input_shape, convention)


AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


@torch.no_grad()
def measure_throughput(module: nn.Module, inputs: torch.Tensor, warmup: int = 5,
                       iters: int = 20, amp: Optional[str] = None, channels_last: bool = False,
                       progress: bool = False) -> float:
    """Images per second of ``module(inputs)`` (inference, fixed batch).

    Args:
        module: the module to time (e.g. from :func:`inference_module`), in eval mode.
        inputs: a fixed ``(N, C, H, W)`` batch on the module's device.
        warmup: untimed iterations first. Defaults to 5.
        iters: timed iterations. Defaults to 20.
        amp: None, 'bf16' or 'fp16' autocast. Defaults to None.
        channels_last: convert module and inputs to channels-last memory format.
            Defaults to False.
        progress: show an mmengine ProgressBar. Defaults to False.

    Returns:
        float: images per second over the timed iterations.
    """
    if amp is not None and amp not in AMP_DTYPES:
        raise ValueError(f'amp must be None or one of {list(AMP_DTYPES)}, got {amp!r}.')
    if warmup < 0 or iters < 1:
        raise ValueError(f'need warmup >= 0 and iters >= 1, got {warmup} and {iters}.')
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    device = inputs.device
    autocast = (torch.autocast(device.type, dtype=AMP_DTYPES[amp]) if amp is not None
                else contextlib.nullcontext())
    synchronize = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(warmup + iters)
    with autocast:
        for step in range(warmup + iters):
            if step == warmup:
                synchronize()
                start = time.perf_counter()
            module(inputs)
            if bar is not None:
                bar.update()
        synchronize()
    return iters * inputs.shape[0] / (time.perf_counter() - start)
