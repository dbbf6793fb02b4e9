"""mmseg decode heads of mmvisarch (import mmseg): the ADP-C exits."""
from .adpc_exit_head import ADPCExitHead

__all__ = ['ADPCExitHead']
