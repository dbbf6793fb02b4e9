"""mmseg-bound models of ADP-C (import mmseg): backbone, exit heads, segmentor."""
from ..backbones.hrnet_anytime import AnytimeHRNet, AnytimeMixin, iterate_exits
from ..decode_heads import ADPCExitHead
from .anytime_encoder_decoder import AnytimeEncoderDecoder

__all__ = ['AnytimeHRNet', 'AnytimeMixin', 'iterate_exits', 'ADPCExitHead',
           'AnytimeEncoderDecoder']
