"""Exit heads of ADP-C for mmseg (Sec. 2.3.2 early exits, Sec. 2.3.3 head redesign).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), chapter 2; reference code: github.com/liuzhuang13/anytime
(``EXIT.TYPE`` 'original' and 'flex': ``downup_pool_1x1_inter_{triple,double}``).

* ``num_downsamples=0``: the original HRNet head, 1x1 conv-BN-ReLU keeping the
  concatenated width, then the 1x1 classifier (the EE baseline and the final
  exit).
* ``num_downsamples=D > 0``: the redesigned encoder-decoder head (RH): ``D``
  "pool-conv" steps (2x2 average pooling, 1x1 conv-BN-ReLU; the first one maps
  to the fixed exit width) then ``D`` "interpolate-conv" steps (bilinear
  upsampling, 1x1 conv), the last of which is the classifier at the exit's
  full resolution. With D = 3 / 2 / 1 at exits 1 / 2 / 3 and width 128 this
  reproduces the 41.9 GFLOPs of exit 1 in Table 2.1.
"""
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import nn

from mmvisarch.registry import MODELS


class ExitBody(nn.Module):
    """The feature part of an exit head (everything before the classifier).

    Args:
        in_channels (int): Channels of the concatenated exit input.
        channels (int): Exit width (ignored by the original head, which keeps
            ``in_channels``).
        num_downsamples (int): D, the number of pool-conv steps; 0 = original head.
        conv_cfg, norm_cfg, act_cfg (dict, optional): For the ConvModules.
    """

    def __init__(self, in_channels: int, channels: int, num_downsamples: int,
                 conv_cfg: dict | None, norm_cfg: dict | None, act_cfg: dict | None) -> None:
        super().__init__()
        if not isinstance(num_downsamples, int) or num_downsamples < 0:
            raise ValueError(f'num_downsamples must be an integer >= 0, got {num_downsamples!r}')
        self.num_downsamples = num_downsamples

        def conv(cin: int, cout: int) -> ConvModule:
            return ConvModule(cin, cout, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        if num_downsamples == 0:
            self.out_channels = in_channels
            self.convs = nn.ModuleList([conv(in_channels, in_channels)])
            self.up_convs = nn.ModuleList()
        else:
            self.out_channels = channels
            self.pool = nn.AvgPool2d(2, 2, ceil_mode=True)
            self.convs = nn.ModuleList([conv(in_channels if i == 0 else channels, channels)
                                        for i in range(num_downsamples)])
            self.up_convs = nn.ModuleList([conv(channels, channels)
                                           for _ in range(num_downsamples - 1)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.num_downsamples == 0:
            return self.convs[0](x)
        sizes = [x.shape[2:]]
        for conv in self.convs:
            x = conv(self.pool(x))
            sizes.append(x.shape[2:])
        for j, conv in enumerate(self.up_convs):
            x = conv(resize(x, size=sizes[-2 - j], mode='bilinear', align_corners=False))
        return resize(x, size=sizes[0], mode='bilinear', align_corners=False)


@MODELS.register_module()
class ADPCExitHead(BaseDecodeHead):
    """An ADP-C exit as an mmseg decode head (its own loss, classifier ``conv_seg``).

    Args:
        in_channels (Sequence[int]): Channels of the HRNet branches at this exit.
        channels (int): Exit width of the redesigned head (128 for W48, 64 for
            W18); the original head uses ``sum(in_channels)``.
        num_downsamples (int): D of Sec. 2.3.3 (N - i at exit i); 0 gives the
            original HRNet head. Defaults to 0.
        **kwargs: :class:`BaseDecodeHead` arguments (``num_classes``,
            ``loss_decode``, ``norm_cfg``, ``dropout_ratio``, ...). ``in_index``
            defaults to all branches and ``input_transform`` to 'resize_concat'.
    """

    def __init__(self, in_channels: Sequence[int], channels: int, num_downsamples: int = 0,
                 **kwargs) -> None:
        in_channels = list(in_channels) if isinstance(in_channels, Sequence) else [in_channels]
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        kwargs.setdefault('input_transform', 'resize_concat')
        super().__init__(in_channels=in_channels, channels=channels, **kwargs)
        self.body = ExitBody(self.in_channels, channels, num_downsamples, self.conv_cfg,
                             self.norm_cfg, self.act_cfg)
        if self.body.out_channels != channels:
            self.conv_seg = nn.Conv2d(self.body.out_channels, self.out_channels, kernel_size=1)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Logits at the resolution of the first (highest-resolution) branch."""
        return self.cls_seg(self.body(self._transform_inputs(inputs)))
