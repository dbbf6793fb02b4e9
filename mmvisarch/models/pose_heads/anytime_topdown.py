"""Anytime top-down pose estimator of ADP-C (Sec. 2.4.5, Table 2.2).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), chapter 2. Pose confidence: the maximum heatmap value
over joints; a position is masked out when it is below 0.002 ("unlikely to be a
joint"), switched on after 10 epochs by ``AdaptivityWarmupHook``.
"""
from typing import Dict, List, Optional, Sequence

from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS as MMPOSE_MODELS
from torch import Tensor, nn

from mmvisarch.models.backbones.hrnet_anytime import AnytimeMixin
from mmvisarch.registry import MODELS


@MODELS.register_module()
class AnytimeTopdownPoseEstimator(AnytimeMixin, TopdownPoseEstimator):
    """mmpose ``TopdownPoseEstimator`` with one exit per HRNet stage and optional CA.

    Args:
        backbone (dict): An ``mmvisarch.AnytimeHRNet`` config.
        head (dict): The final exit (``mmvisarch.ADPCHeatmapExitHead``).
        exit_heads (Sequence[dict]): Early exits 1 .. N-1.
        exit_weights (Sequence[float], optional): w_i of Eq. 2.1. Defaults to all 1.
        adaptivity (dict, optional): CA settings, e.g. ``dict(criterion='max_value',
            threshold=0.002)``; see :class:`AnytimeEncoderDecoder`.
        **kwargs: Other :class:`TopdownPoseEstimator` arguments.

    Loss keys are suffixed ``_exit{i}``; ``predict`` writes ``pred_instances``
    (last exit) and ``pred_instances_exit{i}`` for every exit, and
    ``metainfo['exit_gflops']``.
    """

    def __init__(self, backbone: dict, head: dict, exit_heads: Sequence[dict],
                 exit_weights: Optional[Sequence[float]] = None,
                 adaptivity: Optional[dict] = None, **kwargs) -> None:
        super().__init__(backbone=backbone, head=head, **kwargs)
        self.exit_heads = nn.ModuleList([MMPOSE_MODELS.build(cfg) for cfg in exit_heads])
        self._setup_anytime(exit_weights, adaptivity)

    @property
    def heads(self) -> List[nn.Module]:
        """The exit heads in order; the last one is ``head``."""
        return [*self.exit_heads, self.head]

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        """Eq. 2.1: the weighted sum of every exit's heatmap loss, keys ``*_exit{i}``."""
        losses = {}
        for index, heatmaps in self.forward_exits(inputs):
            head, weight = self.heads[index - 1], self.exit_weights[index - 1]
            for key, value in head.loss_by_heatmaps(heatmaps, data_samples,
                                                    self.train_cfg).items():
                losses[f'{key}_exit{index}'] = value * weight if 'loss' in key else value
        return losses

    def predict(self, inputs: Tensor, data_samples, num_exits: Optional[int] = None):
        """Per-exit keypoints (flip test averages each exit with its flipped run)."""
        runs = [list(self.anytime_inference(inputs, num_exits))]
        if self.test_cfg.get('flip_test', False):
            runs.append(list(self.anytime_inference(inputs.flip(-1), num_exits)))
        # One (unflipped) pass, the convention of Table 2.2.
        exit_gflops = [gflops / inputs.shape[0] for _, _, gflops in runs[0]]
        for k, (index, heatmaps, _) in enumerate(runs[0]):
            flipped = runs[1][k][1] if len(runs) > 1 else None
            preds, _ = self.heads[index - 1].predict_from_heatmaps(heatmaps, flipped,
                                                                 data_samples, self.test_cfg)
            data_samples = self.add_pred_to_datasample(preds, None, data_samples)
            for ds in data_samples:
                ds.set_field(ds.pred_instances, f'pred_instances_exit{index}')
        for ds in data_samples:
            ds.set_metainfo(dict(exit_gflops=exit_gflops))
        return data_samples

    def _forward(self, inputs: Tensor, data_samples=None) -> List[Tensor]:
        """Tensor mode: the heatmaps of every exit."""
        return [heatmaps for _, heatmaps in self.forward_exits(inputs)]
