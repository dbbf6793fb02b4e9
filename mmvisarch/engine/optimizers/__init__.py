"""Optimizer-wrapper constructors (OPTIM_WRAPPER_CONSTRUCTORS, scope mmvisarch)."""
from .layer_decay import LayerDecayOptimWrapperConstructor  # noqa: F401
