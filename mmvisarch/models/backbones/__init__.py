from .convnext import ConvNeXt, ConvNeXtBlock, ConvNeXtIsotropic, convert_convnext_state_dict
from .slak import SLaK, SLaKBlock, convert_slak_state_dict  # noqa: F401
from .pruned import PrunedDenseNet, PrunedResNet, PrunedVGG  # noqa: F401
from .fbnetv3 import FBNetV3, convert_fbnetv3_state_dict  # noqa: F401
from .roadmap import ModernizedResNet, RoadmapBlock  # noqa: F401

__all__ = [
    'ConvNeXt',
    'ConvNeXtBlock',
    'ConvNeXtIsotropic',
    'convert_convnext_state_dict',
    'SLaK',
    'SLaKBlock',
    'convert_slak_state_dict',
    'PrunedDenseNet',
    'PrunedResNet',
    'PrunedVGG',
    'FBNetV3',
    'convert_fbnetv3_state_dict',
    'ModernizedResNet',
    'RoadmapBlock',
]
