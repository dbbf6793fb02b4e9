"""Normalisation layers."""
import torch
import torch.nn.functional as F
from torch import nn


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel axis of an ``(N, C, H, W)`` tensor.

    ConvNeXt (Sec. 4.2, "BN -> LN") normalises each pixel's channel vector.
    Permuting to channels-last and back keeps the result identical whatever the
    input's memory format, so it is safe under ``channels_last``.
    """

    def __init__(self, num_channels: int, eps: float = 1e-6) -> None:
        super().__init__(num_channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
