"""Registry nodes of the ``mmvisarch`` scope.

Each node is a child of mmengine's root registry, so host pipelines (mmdet,
mmseg, mmpretrain, mmpose) reach our types through the scope prefix, e.g.
``type='mmvisarch.ConvNeXt'``, while keeping their own ``default_scope``.
mmengine imports ``<scope>.registry`` by name the first time it meets the
prefix, and the ``locations`` below import the modules that register.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmvisarch',
                  locations=['mmvisarch.models', 'mmvisarch.models.task_modules'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmvisarch',
                 locations=['mmvisarch.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mmvisarch', locations=['mmvisarch.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmvisarch',
                    locations=['mmvisarch.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='mmvisarch',
                      locations=['mmvisarch.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mmvisarch',
                   locations=['mmvisarch.evaluation'])
