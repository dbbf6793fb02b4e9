from .io import atomic_save
from .safe_load import register_safe_checkpoint_types

__all__ = ['atomic_save', 'register_safe_checkpoint_types']
