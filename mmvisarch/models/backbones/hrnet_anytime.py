"""HRNet run stage by stage for anytime dense prediction (ADP-C).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Sec. 2.3.2 and 2.4.1: exits after stage 1, 2, 3 and the
final one; reference code: github.com/liuzhuang13/anytime
(``lib/models/model_anytime.py``).

The host's HRNet (``mmseg.models.backbones.HRNet``; mmpose's HRNet has the
same module names) is reused unchanged, so ImageNet / mmseg / mmpose HRNet
checkpoints load into ``backbone.*``; this subclass only exposes the stages
one at a time.
"""
import time
from typing import Iterator, List, Optional, Sequence, Tuple

import torch
from mmseg.models.backbones import HRNet
from torch import nn

from mmvisarch.analysis.anytime_flops import MacCounter
from mmvisarch.models.layers.masked_conv import AdaptivityContext, convert_to_masked
from mmvisarch.registry import MODELS


@MODELS.register_module()
class AnytimeHRNet(HRNet):
    """HRNet whose four stages can be run one after another.

    Stage ``k`` (0-based) produces the features of exit ``k + 1``: the stem and
    ``layer1`` (one branch), then ``transition{k}`` + ``stage{k+1}``. Arguments
    are those of :class:`mmseg.models.backbones.HRNet`.
    """

    num_exits = 4

    @property
    def exit_in_channels(self) -> List[List[int]]:
        """Channels of the branches available at each exit."""
        block = self.blocks_dict[self.stage1_cfg['block']]
        channels = [[self.stage1_cfg['num_channels'][0] * block.expansion]]
        for k in (2, 3, 4):
            cfg = getattr(self, f'stage{k}_cfg')
            expansion = self.blocks_dict[cfg['block']].expansion
            channels.append([c * expansion for c in cfg['num_channels']])
        return channels

    def adaptive_modules(self) -> List[nn.Module]:
        """Modules after exit 1, whose convolutions confidence adaptivity masks."""
        return [self.transition1, self.stage2, self.transition2, self.stage3,
                self.transition3, self.stage4]

    def forward_stage(self, index: int, inputs: torch.Tensor | Sequence[torch.Tensor]
                      ) -> List[torch.Tensor]:
        """Run stage ``index`` (0-3) on the image (0) or the previous branch list."""
        if not 0 <= index < self.num_exits:
            raise ValueError(f'stage index must be in [0, {self.num_exits}), got {index}')
        if index == 0:
            x = self.relu(self.norm1(self.conv1(inputs)))
            x = self.relu(self.norm2(self.conv2(x)))
            return [self.layer1(x)]
        transition = getattr(self, f'transition{index}')
        num_branches = getattr(self, f'stage{index + 1}_cfg')['num_branches']
        x_list = []
        for i in range(num_branches):
            if transition[i] is None:
                x_list.append(inputs[i])
            else:
                x_list.append(transition[i](inputs[min(i, len(inputs) - 1)]))
        return getattr(self, f'stage{index + 1}')(x_list)

    def forward_stages(self, x: torch.Tensor) -> Iterator[List[torch.Tensor]]:
        """Yield the branch features of each stage as soon as it is computed."""
        feats = x
        for index in range(self.num_exits):
            feats = self.forward_stage(index, feats)
            yield feats

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The final multi-resolution features, as :class:`HRNet` returns."""
        for feats in self.forward_stages(x):
            pass
        return feats



def iterate_exits(backbone: AnytimeHRNet,
                  heads: Sequence[nn.Module],
                  inputs: torch.Tensor,
                  adaptivity: Optional[AdaptivityContext] = None,
                  training: bool = False,
                  num_exits: Optional[int] = None) -> Iterator[Tuple[int, torch.Tensor]]:
    """Yield ``(i, prediction_i)`` for exits i = 1, 2, ... as each is computed.

    ``heads[k]`` maps the branch list of stage ``k`` to a dense prediction
    (logits or heatmaps). With an active :class:`AdaptivityContext`, the
    prediction of exit i sets the mask M_i used by every masked convolution
    until exit i+1, and positions masked out keep exit i's prediction (Eq. 2.7).

    Args:
        backbone (AnytimeHRNet): The stage-wise backbone.
        heads (Sequence[nn.Module]): One head per exit.
        inputs (Tensor): Images ``(N, 3, H, W)``.
        adaptivity (AdaptivityContext, optional): Confidence adaptivity.
        training (bool): Whether the model is training (CA may be off there).
        num_exits (int, optional): Stop after this many exits (1..N).
    """
    total = len(heads)
    if num_exits is None:
        num_exits = total
    if not isinstance(num_exits, int) or isinstance(num_exits, bool) or \
            not 1 <= num_exits <= total:
        raise ValueError(f'num_exits must be an integer in [1, {total}], got {num_exits!r}')
    return _exit_generator(backbone, heads, inputs, adaptivity, training, num_exits)


def _exit_generator(backbone, heads, inputs, adaptivity, training, num_exits):
    use_ca = adaptivity is not None and adaptivity.active(training)
    if adaptivity is not None:
        adaptivity.reset()
    try:
        feats, prev = inputs, None
        for index in range(num_exits):
            feats = backbone.forward_stage(index, feats)
            pred = heads[index](feats)
            if use_ca and prev is not None:
                mask = adaptivity.mask(pred.shape[2:])  # M_{i-1}: 1 = recomputed here
                pred = pred * mask + prev * (1 - mask)
            if use_ca:
                adaptivity.set_prediction(pred, index)
            prev = pred
            yield index + 1, pred
    finally:
        if adaptivity is not None:
            adaptivity.reset()


class AnytimeMixin:
    """Anytime inference for a host model with ``backbone`` and ``heads``.

    Shared by the mmseg segmentor and the mmpose estimator of ADP-C; the host
    class provides ``self.backbone`` (:class:`AnytimeHRNet`) and ``self.heads``.
    """

    def _setup_anytime(self, exit_weights: Optional[Sequence[float]],
                       adaptivity: Optional[dict]) -> None:
        num_exits = self.backbone.num_exits
        if len(self.heads) != num_exits:
            raise ValueError(f'{num_exits} exits need {num_exits - 1} exit_heads plus the final '
                             f'head, got {len(self.heads) - 1} exit_heads')
        self.num_exits = num_exits
        weights = tuple(exit_weights) if exit_weights is not None else (1.0, ) * num_exits
        if len(weights) != num_exits or any(w < 0 for w in weights):
            raise ValueError(f'exit_weights must be {num_exits} non-negative numbers, '
                             f'got {exit_weights}')
        self.exit_weights = weights
        self.adaptivity: Optional[AdaptivityContext] = None
        if adaptivity is not None:
            cfg = dict(adaptivity)
            radius = cfg.pop('radius', 7)
            self.adaptivity = AdaptivityContext(**cfg)
            # Every conv after exit 1, including the heads of exits 2 .. N (Sec. 2.3.4).
            for module in [*self.backbone.adaptive_modules(), *self.heads[1:]]:
                convert_to_masked(module, self.adaptivity, radius)

    def forward_exits(self, inputs: torch.Tensor, num_exits: Optional[int] = None
                      ) -> Iterator[Tuple[int, torch.Tensor]]:
        """Yield ``(i, prediction_i)`` per exit as soon as it is computed (Eq. 2.7)."""
        return iterate_exits(self.backbone, self.heads, inputs, self.adaptivity, self.training,
                             num_exits)

    def anytime_inference(self,
                          inputs: torch.Tensor,
                          num_exits: Optional[int] = None,
                          deadline: Optional[float] = None,
                          gflops_budget: Optional[float] = None
                          ) -> Iterator[Tuple[int, torch.Tensor, float]]:
        """Anytime predictions: yield ``(exit, prediction, cumulative GFLOPs)``.

        The caller may stop consuming at any time (Sec. 2.3.1). Besides, the
        generator ends after the first exit at which ``deadline`` seconds have
        elapsed or ``gflops_budget`` GFLOPs (2^30 multiply-adds, whole batch)
        have been spent.
        """
        if deadline is not None and deadline <= 0:
            raise ValueError(f'deadline must be > 0 seconds, got {deadline}')
        if gflops_budget is not None and gflops_budget <= 0:
            raise ValueError(f'gflops_budget must be > 0, got {gflops_budget}')
        exits = self.forward_exits(inputs, num_exits)
        return self._anytime_generator(exits, deadline, gflops_budget)

    def _anytime_generator(self, exits, deadline, gflops_budget):
        start = time.perf_counter()
        with MacCounter(self) as counter:
            while True:
                with torch.no_grad():  # not held across yields
                    try:
                        index, pred = next(exits)
                    except StopIteration:
                        return
                gflops = counter.macs / 2**30
                yield index, pred, gflops
                if deadline is not None and time.perf_counter() - start >= deadline:
                    return
                if gflops_budget is not None and gflops >= gflops_budget:
                    return
