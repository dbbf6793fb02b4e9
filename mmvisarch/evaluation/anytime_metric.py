"""Per-exit metrics of anytime models (ADP-C): every exit and their mean, one pass.

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Tables 2.1-2.5: mIoU / PCKh and GFLOPs at exits 1-4 and
averaged; reference code: github.com/liuzhuang13/anytime (``tools/test_ee.py``).
"""
import copy
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmvisarch.registry import METRICS


@METRICS.register_module()
class AnytimeMetric(BaseMetric):
    """Evaluates a host metric on the prediction of every exit.

    The anytime models write the prediction of exit i under
    ``{pred_key}_exit{i}`` (and the last one under ``pred_key``) and the
    cumulative GFLOPs per image under ``exit_gflops``. For every exit a copy of
    ``metric`` sees the samples with ``pred_key`` replaced by that exit's
    prediction. Reported: ``{name}_exit{i}``, ``{name}_avg`` (mean over
    exits), ``{name}`` (the last exit, so ``save_best`` keeps working),
    ``GFLOPs_exit{i}`` and ``GFLOPs_avg`` (averaged over the images).

    Args:
        metric (dict): The host metric, e.g. ``dict(type='mmseg.IoUMetric',
            iou_metrics=['mIoU'])`` or ``dict(type='mmpose.MpiiPCKAccuracy')``.
        pred_key (str): 'pred_sem_seg' (segmentation) or 'pred_instances' (pose).
        num_exits (int): Number of exits. Defaults to 4.
    """

    def __init__(self, metric: dict, pred_key: str = 'pred_sem_seg', num_exits: int = 4,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not isinstance(num_exits, int) or num_exits < 1:
            raise ValueError(f'num_exits must be a positive integer, got {num_exits!r}')
        self.num_exits = num_exits
        self.pred_key = pred_key
        self.exit_metrics = [METRICS.build(copy.deepcopy(metric)) for _ in range(num_exits)]

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self._dataset_meta = meta
        for metric in self.exit_metrics:
            metric.dataset_meta = meta

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for index, metric in enumerate(self.exit_metrics, start=1):
            key = f'{self.pred_key}_exit{index}'
            if any(key not in ds for ds in data_samples):
                raise KeyError(f'{key} not in the predictions: AnytimeMetric needs a model with '
                               f'{self.num_exits} exits (mmvisarch.AnytimeEncoderDecoder or '
                               f'mmvisarch.AnytimeTopdownPoseEstimator)')
            metric.process(data_batch, [dict(ds, **{self.pred_key: ds[key]})
                                        for ds in data_samples])
        for ds in data_samples:
            self.results.append(list(ds.get('exit_gflops', [])))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        gflops = [r for r in results if len(r) == self.num_exits]
        if not gflops:
            return {}
        mean = np.mean(np.asarray(gflops, dtype=np.float64), axis=0)
        metrics = {f'GFLOPs_exit{i}': float(v) for i, v in enumerate(mean, start=1)}
        metrics['GFLOPs_avg'] = float(mean.mean())
        return metrics

    def evaluate(self, size: int) -> Dict[str, float]:
        metrics: Dict[str, float] = {}
        per_exit = [m.evaluate(size) for m in self.exit_metrics]
        for index, result in enumerate(per_exit, start=1):
            metrics.update({f'{k}_exit{index}': float(v) for k, v in result.items()})
        for key in per_exit[-1]:
            metrics[f'{key}_avg'] = float(np.mean([r[key] for r in per_exit]))
            metrics[key] = float(per_exit[-1][key])
        metrics.update(super().evaluate(size))
        return metrics
