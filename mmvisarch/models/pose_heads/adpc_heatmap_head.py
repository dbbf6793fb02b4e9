"""ADP-C exits for mmpose heatmap pose estimation (Sec. 2.4.5, Table 2.2).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022), chapter 2. No pose code was released
(github.com/liuzhuang13/anytime covers Cityscapes only); this follows the text:
"The standard head for this task is 1x1 convolution. As in segmentation, our
redesigned heads are encoder-decoder structures. The number of channels for
all exits is 64." Exits read the highest-resolution branch, as the HRNet pose
head does (exit 1: the ``layer1`` output).
"""
from typing import Dict, Optional, Sequence

import torch
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.utils.tensor_utils import to_numpy
from mmpose.evaluation.functional import pose_pck_accuracy
from torch import nn

from mmvisarch.models.decode_heads.adpc_exit_head import ExitBody
from mmvisarch.registry import MODELS


@MODELS.register_module()
class ADPCHeatmapExitHead(HeatmapHead):
    """mmpose ``HeatmapHead`` as an ADP-C exit: optional encoder-decoder body + 1x1 conv.

    Args:
        in_channels (int): Channels of the highest-resolution branch at the exit.
        out_channels (int): Number of keypoints (heatmaps).
        channels (int): Exit width of the redesigned head. Defaults to 64.
        num_downsamples (int): D of Sec. 2.3.3; 0 = the original 1x1 conv head.
            Defaults to 0.
        norm_cfg (dict): Norm of the redesigned head. Defaults to BN.
        **kwargs: :class:`HeatmapHead` arguments (``loss``, ``decoder``, ...).
    """

    def __init__(self, in_channels: int, out_channels: int, channels: int = 64,
                 num_downsamples: int = 0, norm_cfg: Optional[dict] = None, **kwargs) -> None:
        if num_downsamples:
            body = ExitBody(in_channels, channels, num_downsamples, None,
                            norm_cfg or dict(type='BN'), dict(type='ReLU'))
            head_in = body.out_channels
        else:
            body, head_in = nn.Identity(), in_channels
        super().__init__(in_channels=head_in, out_channels=out_channels,
                         deconv_out_channels=None, conv_out_channels=None, **kwargs)
        self.body = body

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Heatmaps from the highest-resolution branch ``feats[0]``."""
        x = feats[0] if isinstance(feats, (list, tuple)) else feats
        return self.final_layer(self.body(x))

    def loss_by_heatmaps(self, heatmaps: torch.Tensor, batch_data_samples,
                         train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        """The loss and accuracy of :meth:`HeatmapHead.loss` for given heatmaps."""
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        loss = self.loss_module(heatmaps, gt_heatmaps, weights)
        losses = dict(loss) if isinstance(loss, dict) else dict(loss_kpt=loss)
        _, avg_acc, _ = pose_pck_accuracy(output=to_numpy(heatmaps), target=to_numpy(gt_heatmaps),
                                          mask=to_numpy(weights) > 0)
        losses['acc_pose'] = torch.tensor(float(avg_acc), device=gt_heatmaps.device)
        return losses

    def predict_from_heatmaps(self, heatmaps: torch.Tensor,
                              flipped_heatmaps: Optional[torch.Tensor],
                              batch_data_samples, test_cfg: Optional[dict] = None):
        """Decode (flip-averaged) heatmaps as :meth:`HeatmapHead.predict` does."""
        test_cfg = test_cfg or {}
        if flipped_heatmaps is not None:
            flipped = flip_heatmaps(flipped_heatmaps,
                                    flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                                    flip_indices=batch_data_samples[0].metainfo['flip_indices'],
                                    shift_heatmap=test_cfg.get('shift_heatmap', False))
            heatmaps = (heatmaps + flipped) * 0.5
        return self.decode(heatmaps), heatmaps
