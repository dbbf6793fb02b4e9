from .config import load_config
from .io import atomic_save, atomic_write
from .safe_load import register_safe_checkpoint_types

__all__ = ['load_config', 'atomic_save', 'atomic_write', 'register_safe_checkpoint_types']
