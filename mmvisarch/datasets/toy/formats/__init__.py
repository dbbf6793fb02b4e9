"""One module per dataset format; importing one registers its generator."""
from . import ade20k, cityscapes, coco, imagenet, voc  # noqa: F401
from . import mpii  # noqa: F401,E402  (ADP-C pose toy data)
from . import cifar  # noqa: F401,E402  (pruning toy CIFAR-10)
