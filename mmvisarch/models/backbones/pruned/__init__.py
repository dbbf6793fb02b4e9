"""Width-spec backbones: pruned architectures as data (dissertation ch. 3)."""
from .base import WidthSpecBackbone
from .densenet import PrunedDenseNet
from .resnet import PrunedResNet
from .vgg import PrunedVGG

__all__ = ['WidthSpecBackbone', 'PrunedResNet', 'PrunedVGG', 'PrunedDenseNet']
