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
