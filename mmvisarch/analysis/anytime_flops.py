"""Per-exit computation of anytime models (ADP-C, Tables 2.1-2.5).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), Sec. 2.4.4; reference code: github.com/liuzhuang13/anytime
(``lib/utils/modelsummary.py``).

Convention of the paper: multiply-adds of convolution and linear layers, plus
the RBF interpolation at masked positions, in GFLOPs of 2^30, cumulative up to
each exit (exit i includes everything computed before it). With confidence
adaptivity the cost depends on the input and is averaged over images.

Two counters: :func:`count_exit_gflops` follows the masks (forward hooks; a
``MaskedConv2d`` reports what it computed); :func:`dense_exit_gflops` traces the
network truncated at each exit with ``mmengine.analysis.FlopAnalyzer`` and
keeps its convolution / linear counts (dense models; a cross-check).
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from torch import nn

GIGA = 2**30
MAC_OPERATORS = ('conv', 'linear', 'addmm', 'matmul', 'bmm', 'einsum')


class MacCounter:
    """Counts the multiply-adds of every convolution / linear layer of a model.

    A ``MaskedConv2d`` reports what it actually computed (``last_macs``: active
    positions plus RBF interpolation); other layers count densely. This is the
    convention of the ADP-C FLOPs (Sec. 2.4.4; reference ``modelsummary.py``).
    """

    def __init__(self, model: nn.Module) -> None:
        self.macs = 0
        self._handles = []
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                self._handles.append(m.register_forward_hook(self._hook))

    def _hook(self, module: nn.Module, inputs, output: torch.Tensor) -> None:
        if hasattr(module, 'last_macs'):
            self.macs += module.last_macs
        elif isinstance(module, nn.Conv2d):
            w = module.weight
            self.macs += output.numel() * w.shape[1] * w.shape[2] * w.shape[3]
        else:
            self.macs += output.numel() * module.in_features

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> 'MacCounter':
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _anytime_model(model: nn.Module) -> nn.Module:
    if not hasattr(model, 'forward_exits'):
        raise TypeError(f'{type(model).__name__} has no forward_exits(); expected an anytime '
                        f'model such as mmvisarch.AnytimeEncoderDecoder')
    return model


def count_exit_gflops(model: nn.Module, inputs: torch.Tensor,
                      num_exits: Optional[int] = None) -> List[float]:
    """Cumulative GFLOPs (2^30 multiply-adds) per image up to each exit.

    The model runs in its current mode; in eval mode with confidence
    adaptivity the masks of ``inputs`` decide what is computed.
    """
    model = _anytime_model(model)
    gflops = []
    with torch.no_grad(), MacCounter(model) as counter:
        for _ in model.forward_exits(inputs, num_exits):
            gflops.append(counter.macs / GIGA / inputs.shape[0])
    return gflops


class _UpToExit(nn.Module):
    """Runs an anytime model up to exit ``num_exits`` (for tracing)."""

    def __init__(self, model: nn.Module, num_exits: int) -> None:
        super().__init__()
        self.model = model
        self.num_exits = num_exits

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        # Every exit is returned: the trace drops operators whose output is unused.
        return tuple(pred for _, pred in self.model.forward_exits(inputs, self.num_exits))


def dense_exit_gflops(model: nn.Module, input_shape: Tuple[int, ...],
                      operators: Sequence[str] = MAC_OPERATORS) -> List[float]:
    """Per-exit cumulative GFLOPs from ``mmengine.analysis.FlopAnalyzer``.

    Counts only ``operators`` (multiply-adds of conv / linear layers; batch
    norm, activations and resizing are left out as in the paper). Meant for
    models without confidence adaptivity (tracing fixes one control flow).
    """
    model = _anytime_model(model)
    inputs = torch.zeros(input_shape)
    gflops = []
    was_training = model.training
    model.eval()
    try:
        for k in range(1, model.num_exits + 1):
            analyzer = FlopAnalyzer(_UpToExit(model, k), (inputs, ))
            analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            by_op = analyzer.by_operator()
            gflops.append(sum(by_op.get(op, 0) for op in operators) / GIGA / input_shape[0])
    finally:
        model.train(was_training)
    return gflops


def scaled_exit_gflops(model: nn.Module, input_hw: Tuple[int, int], target_hw: Tuple[int, int],
                       inputs: Optional[torch.Tensor] = None) -> List[float]:
    """Dense per-exit GFLOPs at ``target_hw`` measured at a smaller ``input_hw``.

    Convolution costs scale exactly with the number of pixels when every
    feature map divides evenly, so a 1024x2048 count can be taken at 128x256
    (scale 64). Raises ``ValueError`` unless ``target_hw`` is an integer
    multiple of ``input_hw`` in both directions.
    """
    if any(t % s for t, s in zip(target_hw, input_hw)):
        raise ValueError(f'target size {target_hw} must be a multiple of the measured size '
                         f'{input_hw}')
    scale = (target_hw[0] * target_hw[1]) / (input_hw[0] * input_hw[1])
    if inputs is None:
        inputs = torch.zeros(1, 3, *input_hw)
    was_training = model.training
    model.eval()
    try:
        return [g * scale for g in count_exit_gflops(model, inputs)]
    finally:
        model.train(was_training)
