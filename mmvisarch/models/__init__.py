"""Models of mmvisarch. Importing registers them in the ``mmvisarch`` scope.

Only torch/mmengine/mmcv are needed here; heads bound to a host library
(mmseg decode heads, mmpose heads) live in modules that import that host.
"""
from .backbones import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
