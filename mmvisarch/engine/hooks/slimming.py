"""Network Slimming's sparsity penalty on BN scaling factors as an mmengine hook.

Liu et al., "Learning Efficient Convolutional Networks through Network
Slimming" (ICCV 2017), as re-run in dissertation Sec. 3.5.2 / Table 3.4:
training adds ``lambda * sign(gamma)`` -- the subgradient of
``lambda * sum |gamma|`` -- to the gradient of every BN scale after backward and
before the optimizer step (``lambda`` 1e-4 for VGG, 1e-5 for ResNet/DenseNet;
reference ``updateBN`` in https://github.com/Eric-mingjie/rethinking-network-pruning).

mmengine's ``OptimWrapper.update_params`` runs backward and step inside
``train_step`` with no hook point in between, so the hook registers a gradient
hook on each BN weight: the penalty joins the gradient during backward, before
clipping and the step, whatever the optimizer wrapper. Under AMP the gradient
is still scaled when the hook runs, so the penalty is multiplied by the current
loss scale; with gradient accumulation it is divided by the number of
accumulated iterations so that one update receives ``lambda * sign(gamma)``.

Config::

    custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-4,
                         module_prefix='backbone.')]
"""
from typing import List

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mmvisarch.registry import HOOKS


@HOOKS.register_module()
class BNSlimmingHook(Hook):
    """Add the L1 subgradient of the BN scales to their gradients.

    Args:
        coefficient: ``lambda``, the penalty weight. Defaults to 1e-4 (VGG;
            use 1e-5 for ResNet and DenseNet).
        module_prefix: only BN layers whose name starts with this prefix are
            penalised (``'backbone.'`` keeps heads out). Defaults to ``''`` (all).
    """
    priority = 'NORMAL'

    def __init__(self, coefficient: float = 1e-4, module_prefix: str = '') -> None:
        if not coefficient >= 0:
            raise ValueError(f'coefficient must be >= 0, got {coefficient!r}.')
        self.coefficient = float(coefficient)
        self.module_prefix = module_prefix
        self._handles: List[torch.utils.hooks.RemovableHandle] = []
        self._runner = None

    def _scale(self) -> float:
        """Loss scale (AMP) divided by the accumulation count of the optimizer wrapper."""
        wrapper = getattr(self._runner, 'optim_wrapper', None)
        scale = 1.
        scaler = getattr(wrapper, 'loss_scaler', None)
        if scaler is not None and hasattr(scaler, 'get_scale') and scaler.is_enabled():
            scale = float(scaler.get_scale())
        counts = getattr(wrapper, '_accumulative_counts', 1) or 1
        return scale / counts

    def before_train(self, runner) -> None:
        self._runner = runner
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.register(model)

    def register(self, model: torch.nn.Module) -> int:
        """Hook the BN weights of ``model``; returns how many layers were hooked."""
        self.remove()
        for name, module in model.named_modules():
            if isinstance(module, _BatchNorm) and module.weight is not None \
                    and name.startswith(self.module_prefix):
                weight = module.weight
                self._handles.append(weight.register_hook(
                    lambda grad, w=weight: grad + self.coefficient * self._scale() *
                    torch.sign(w.detach())))
        if not self._handles:
            raise ValueError(f'BNSlimmingHook found no BN layer under {self.module_prefix!r}; '
                             f'Network Slimming needs BN after the pruned convs.')
        return len(self._handles)

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def after_train(self, runner) -> None:
        self.remove()
