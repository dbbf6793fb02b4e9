"""Parameters and FLOPs of width-spec classifiers, for comparing with the papers.

Counts use mmengine's FlopAnalyzer (multiply-adds; BN and pooling included),
on a backbone plus the classifier of the paper: global average pooling and a
linear layer, or for CIFAR VGG the reference's ``Linear(C, 512)-BN-ReLU-Linear``
(https://github.com/Eric-mingjie/rethinking-network-pruning, ``models/vgg.py``),
and for ImageNet VGG torchvision's 7x7x512-4096-4096 classifier.
"""
from typing import Tuple

import torch
from torch import nn

from mmvisarch.analysis.complexity import flops_by_module


class _Classifier(nn.Module):
    def __init__(self, backbone: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x)[-1])


def paper_head(kind: str, in_channels: int, num_classes: int) -> nn.Module:
    """The classifier that follows the backbone in the papers' counts."""
    if kind == 'linear':
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(in_channels, num_classes))
    if kind == 'vgg_cifar':
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, 512),
                             nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, num_classes))
    if kind == 'vgg_imagenet':
        return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * 49, 4096), nn.ReLU(),
                             nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))
    raise ValueError(f"head kind must be 'linear', 'vgg_cifar' or 'vgg_imagenet', got {kind!r}.")


def classifier_complexity(backbone: nn.Module, num_classes: int, input_size: int,
                          head: str = 'linear') -> Tuple[int, int]:
    """(parameters, FLOPs) of ``backbone`` plus the paper's classifier at one input."""
    model = _Classifier(backbone, paper_head(head, backbone.out_channels[-1], num_classes))
    params = sum(p.numel() for p in model.parameters())
    flops, _ = flops_by_module(model, (torch.zeros(1, 3, input_size, input_size),))
    return params, flops


def backbone_flops(backbone: nn.Module, input_size: int) -> int:
    """FLOPs of a backbone alone at ``input_size`` x ``input_size``."""
    return flops_by_module(backbone, (torch.zeros(1, 3, input_size, input_size),))[0]


def reference_flops(model: nn.Module, input_size: int) -> int:
    """FLOPs of a whole model as the reference's ``compute_flops.py`` counts them.

    ``print_model_param_flops`` of https://github.com/Eric-mingjie/rethinking-network-pruning
    (the Scratch-B budgets of ``main_B.py``) hooks leaf modules: Conv2d ``2 k^2 C_in / g + bias``
    per output, Linear ``2 weights + biases``, BatchNorm2d ``2`` per input element, ReLU ``1``
    per input element at every call, Max/AvgPool2d modules ``k^2`` per output; functional ops
    and BatchNorm1d are not counted. The model is called on one ``input_size`` image; for an
    mmpretrain classifier pass it whole (its ``forward`` in ``tensor`` mode).
    """
    total = [0]

    def conv(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += (2 * k + (m.bias is not None)) * out.numel()

    def linear(m, inp, out):
        total[0] += (2 * m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)) * \
            (inp[0].numel() // m.in_features)

    def elementwise(factor):
        return lambda m, inp, out: total.__setitem__(0, total[0] + factor * inp[0].numel())

    def pool(m, inp, out):
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0] * \
            m.kernel_size[1]
        total[0] += (k * k if isinstance(m.kernel_size, int) else k) * out.numel()

    hooks = []
    for m in model.modules():
        if list(m.children()):
            continue
        fn = (conv if isinstance(m, nn.Conv2d) else linear if isinstance(m, nn.Linear) else
              elementwise(2) if isinstance(m, nn.BatchNorm2d) else
              elementwise(1) if isinstance(m, nn.ReLU) else
              pool if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) else None)
        if fn is not None:
            hooks.append(m.register_forward_hook(fn))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = torch.zeros(1, 3, input_size, input_size)
            model(x, mode='tensor') if _is_data_model(model) else model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return int(total[0])


def _is_data_model(model: nn.Module) -> bool:
    from mmengine.model import BaseModel
    return isinstance(model, BaseModel)
