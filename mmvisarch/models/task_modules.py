"""Models bound to a host library, imported by the registry on first use.

``import mmvisarch.models`` needs only torch, mmengine and mmcv. The modules
below subclass mmseg / mmpose classes; the ``mmvisarch`` MODELS registry lists
this module in its ``locations``, so they are registered as soon as a host
pipeline looks up an ``mmvisarch.`` type, and skipped where the host is absent.
"""
import importlib.util  # noqa: E402
if importlib.util.find_spec('mmseg') is not None:  # ADP-C models are mmseg-bound
    from . import segmentors  # noqa: F401,E402  (AnytimeHRNet, ADPCExitHead, AnytimeEncoderDecoder)
if importlib.util.find_spec('mmseg') is not None and importlib.util.find_spec('mmpose') is not None:
    from . import pose_heads  # noqa: F401,E402  (ADPCHeatmapExitHead, AnytimeTopdownPoseEstimator)
