"""Hooks of mmvisarch (HOOKS registry, scope mmvisarch)."""
from .dynamic_sparsity import DynamicSparsityHook  # noqa: F401
from .slimming import BNSlimmingHook  # noqa: F401
from .adpc_adaptivity_hook import AdaptivityWarmupHook  # noqa: F401
from .checkpoint import SafeCheckpointHook  # noqa: F401
from .val_loss_early_stopping import ValLossEarlyStoppingHook  # noqa: F401
