"""Training machinery: optimizer-wrapper constructors and hooks (registered on import)."""
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .inference import InferenceOptimizeHook  # noqa: F401,E402  (registers the hook)
