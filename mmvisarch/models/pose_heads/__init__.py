"""mmpose-bound models of ADP-C (import mmpose and mmseg's HRNet): exit heads, estimator."""
from .adpc_heatmap_head import ADPCHeatmapExitHead
from .anytime_topdown import AnytimeTopdownPoseEstimator

__all__ = ['ADPCHeatmapExitHead', 'AnytimeTopdownPoseEstimator']
