from .config import load_config
from .io import atomic_save, atomic_write, atomic_write_text, check_overwrite, load_data_file
from .safe_load import (CheckpointError, CorruptedCheckpointError, UntrustedCheckpointError,
                        load_checkpoint_safely, register_safe_checkpoint_types, route_checkpoint)

__all__ = ['load_config', 'atomic_save', 'atomic_write', 'atomic_write_text', 'check_overwrite',
           'load_data_file', 'register_safe_checkpoint_types', 'load_checkpoint_safely',
           'route_checkpoint', 'CheckpointError', 'CorruptedCheckpointError',
           'UntrustedCheckpointError']
