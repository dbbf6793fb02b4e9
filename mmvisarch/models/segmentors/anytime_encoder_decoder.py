"""Anytime segmentor of ADP-C: every exit's prediction, per-exit losses, CA.

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), chapter 2: early exits (Eq. 2.1), confidence adaptivity
(Eq. 2.2-2.7); reference code: github.com/liuzhuang13/anytime
(``lib/models/model_anytime.py``, ``tools/test_ee.py``).
"""
from typing import Dict, List, Optional, Sequence

from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.structures import SegDataSample
from torch import Tensor, nn

from mmvisarch.models.backbones.hrnet_anytime import AnytimeMixin
from mmvisarch.registry import MODELS


@MODELS.register_module()
class AnytimeEncoderDecoder(AnytimeMixin, EncoderDecoder):
    """mmseg ``EncoderDecoder`` with one exit per HRNet stage and optional CA.

    Args:
        backbone (dict): An ``mmvisarch.AnytimeHRNet`` config.
        decode_head (dict): The final exit (an ``mmvisarch.ADPCExitHead``).
        exit_heads (Sequence[dict]): The early exits 1 .. N-1, in order.
        exit_weights (Sequence[float], optional): w_i of Eq. 2.1, one per exit
            (default all 1; PASCAL-Context EE uses (0.33, 0.33, 0.33, 1)).
        adaptivity (dict, optional): Confidence adaptivity (CA): the arguments
            of :class:`~mmvisarch.models.layers.masked_conv.AdaptivityContext`
            (``criterion``, ``threshold``, ``ratio``, ``train``, ``test``,
            ``sparse``) plus ``radius`` (default 7). None: plain early exiting.
        **kwargs: The other :class:`EncoderDecoder` arguments.

    Loss keys are suffixed ``_exit{i}`` (1-based, exit i of the paper). In
    ``predict``, ``pred_sem_seg`` is the last computed exit and
    ``pred_sem_seg_exit{i}`` every exit; ``metainfo['exit_gflops']`` holds the
    cumulative GFLOPs (2^30 multiply-adds) spent up to each exit per image.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 exit_heads: Sequence[dict],
                 exit_weights: Optional[Sequence[float]] = None,
                 adaptivity: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        if not hasattr(self.backbone, 'forward_stage'):
            raise TypeError(f'backbone must run stage by stage (mmvisarch.AnytimeHRNet), '
                            f'got {type(self.backbone).__name__}')
        self.exit_heads = nn.ModuleList([MMSEG_MODELS.build(cfg) for cfg in exit_heads])
        self._setup_anytime(exit_weights, adaptivity)

    @property
    def heads(self) -> List[nn.Module]:
        """The exit heads in order; the last one is ``decode_head``."""
        return [*self.exit_heads, self.decode_head]

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Final-exit logits resized to the input (used by slide inference)."""
        for _, logits in self.forward_exits(inputs):
            pass
        return resize(logits, size=inputs.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        """Eq. 2.1: the weighted sum of every exit's loss, keys ``*_exit{i}``."""
        losses = {}
        for index, logits in self.forward_exits(inputs):
            head = self.heads[index - 1]
            weight = self.exit_weights[index - 1]
            for key, value in head.loss_by_feat(logits, data_samples).items():
                if 'loss' in key:
                    value = value * weight
                losses[f'{key}_exit{index}'] = value
        return losses

    def predict(self, inputs: Tensor, data_samples=None, num_exits: Optional[int] = None):
        """Per-exit segmentation of a batch (whole-image inference)."""
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError("AnytimeEncoderDecoder supports test_cfg mode='whole' only "
                             f"(the paper's single-scale whole-image test), got "
                             f"{self.test_cfg.get('mode')!r}")
        if data_samples is None:
            shape = tuple(inputs.shape[2:])
            data_samples = [SegDataSample(metainfo=dict(ori_shape=shape, img_shape=shape,
                                                        pad_shape=shape))
                            for _ in range(inputs.shape[0])]
        img_shape = data_samples[0].metainfo['img_shape']
        exit_logits, exit_gflops = [], []
        for _, logits, gflops in self.anytime_inference(inputs, num_exits):
            exit_logits.append(resize(logits, size=img_shape, mode='bilinear',
                                      align_corners=self.align_corners))
            exit_gflops.append(gflops / inputs.shape[0])
        for index, logits in enumerate(exit_logits, start=1):
            data_samples = self.postprocess_result(logits, data_samples)
            for ds in data_samples:
                ds.set_field(PixelData(data=ds.pred_sem_seg.data), f'pred_sem_seg_exit{index}')
        for ds in data_samples:
            ds.set_metainfo(dict(exit_gflops=exit_gflops))
        return data_samples

    def _forward(self, inputs: Tensor, data_samples=None) -> List[Tensor]:
        """Tensor mode: the logits of every exit."""
        return [logits for _, logits in self.forward_exits(inputs)]
