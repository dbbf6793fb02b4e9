"""What tools/train.py and tools/test.py share: config loading and the Runner.

Distributed runs without CUDA (the CPU machines this project is tested on) use
gloo: the process group is created here, before mmengine would call
``torch.cuda.set_device``, and DDP is built without ``device_ids``.
"""
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config

import mmvisarch  # noqa: F401  (registry scope, safe checkpoint types)
from mmvisarch.utils import load_config as _load_file


def load_config(path: str, options: Optional[dict], launcher: str,
                work_dir: Optional[str]) -> Config:
    """The config at ``path`` with ``options`` (``--cfg-options``, parsed by
    mmengine's ``DictAction``) merged in, ready for the Runner."""
    cfg = _load_file(path, options)
    cfg.launcher = launcher
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(path))[0])
    if launcher != 'none' and not torch.cuda.is_available():
        _setup_cpu_distributed(cfg)
    return cfg


def _setup_cpu_distributed(cfg: Config) -> None:
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
