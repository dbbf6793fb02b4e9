"""Inference paths: deployed (re-parameterised), compiled and bf16 models, and the test hook.

:func:`optimize_for_inference` applies, to a copy of a model,
:func:`mmvisarch.models.deploy.switch_to_deploy`, ``torch.compile`` (inductor) of
the backbone (the part this package owns and checks for graph breaks; host
heads and data preprocessors stay eager) and bf16 autocast of ``test_step``.
:class:`InferenceOptimizeHook` does it inside an mmengine test run after the
checkpoint (and an EMA swap) has been loaded; ``tools/test.py --deploy
--compile --bf16`` adds it.
"""
import copy
import functools
from typing import Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from mmvisarch.models.deploy import switch_to_deploy
from mmvisarch.registry import HOOKS

__all__ = ['bf16_support', 'check_bf16', 'optimize_for_inference', 'compile_backbone',
           'InferenceOptimizeHook']


def _cpu_flags() -> set:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def bf16_support(device: str = 'cpu') -> Tuple[bool, str]:
    """Whether ``device`` runs bf16 natively, and a sentence saying why (not).

    CPU: AVX512-BF16 or AMX-BF16 (``/proc/cpuinfo`` flags, else oneDNN's own
    check); without them bf16 is emulated and slower than fp32. CUDA: the
    device's ``torch.cuda.is_bf16_supported()`` (Ampere or newer).
    """
    device_type = torch.device(device).type
    if device_type == 'cuda':
        if not torch.cuda.is_available():
            return False, 'CUDA is not available on this machine.'
        if torch.cuda.is_bf16_supported():
            return True, f'{torch.cuda.get_device_name()} supports bf16.'
        return False, f'{torch.cuda.get_device_name()} has no native bf16 (needs Ampere or newer).'
    if device_type != 'cpu':
        return False, f'bf16 inference is only supported on cpu and cuda, not {device_type}.'
    flags = _cpu_flags()
    native = {'avx512_bf16', 'amx_bf16'} & flags
    if not flags:
        mkldnn = getattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', None)
        if mkldnn is not None and mkldnn():
            return True, 'oneDNN reports native bf16 support on this CPU.'
    if native:
        return True, f'this CPU has {", ".join(sorted(native))}.'
    return False, ('this CPU has neither AVX512-BF16 nor AMX-BF16 (see the flags in '
                   '/proc/cpuinfo): bf16 would be emulated and slower than fp32.')


def check_bf16(device: str, allow_emulated: bool = False) -> str:
    """Raise a clear error unless ``device`` runs bf16 natively (or emulation is allowed)."""
    ok, why = bf16_support(device)
    if not ok and not (allow_emulated and torch.device(device).type == 'cpu'):
        hint = (' Pass --bf16-emulated to run it anyway (for its accuracy, not its speed).'
                if torch.device(device).type == 'cpu' else '')
        raise RuntimeError(f'--bf16: {why}{hint}')
    return why


def compile_backbone(model: nn.Module, **compile_kwargs) -> nn.Module:
    """``torch.compile`` the backbone of a host model (or ``model`` itself) in place.

    ``nn.Module.compile`` keeps the module, its attributes and parameter names.
    """
    target = getattr(model, 'backbone', model)
    compile_kwargs.setdefault('backend', 'inductor')
    target.compile(**compile_kwargs)
    return model


def _autocast_test_step(model: nn.Module, device_type: str) -> None:
    test_step = model.test_step

    @functools.wraps(test_step)
    def bf16_test_step(data):
        with torch.autocast(device_type, dtype=torch.bfloat16):
            return test_step(data)

    model.test_step = bf16_test_step


def optimize_for_inference(model: nn.Module, deploy: bool = False, compile: bool = False,
                           bf16: bool = False, device: Optional[str] = None,
                           copy_model: bool = True) -> nn.Module:
    """The model (a copy by default) on the chosen inference path, in eval mode.

    Args:
        model: a host model (with ``backbone``/``test_step``) or a plain module.
        deploy: re-parameterise (:func:`~mmvisarch.models.deploy.switch_to_deploy`).
        compile: ``torch.compile`` (inductor) the backbone.
        bf16: run ``test_step`` (or ``forward`` of a plain module) under bf16 autocast.
        device: device type for autocast. Defaults to the model's parameters' device.
        copy_model: work on a deep copy. Defaults to True.
    """
    if copy_model:
        model = copy.deepcopy(model)
    model.eval()
    if deploy:
        switch_to_deploy(model)
    if compile:
        compile_backbone(model)
    if bf16:
        if device is None:
            param = next(model.parameters(), None)
            device = param.device.type if param is not None else 'cpu'
        device_type = torch.device(device).type
        if hasattr(model, 'test_step'):
            _autocast_test_step(model, device_type)
        else:
            forward = model.forward

            @functools.wraps(forward)
            def bf16_forward(*args, **kwargs):
                with torch.autocast(device_type, dtype=torch.bfloat16):
                    return forward(*args, **kwargs)

            model.forward = bf16_forward
    return model


@HOOKS.register_module()
class InferenceOptimizeHook(Hook):
    """Run the test loop on a deployed / compiled / bf16 copy of the model.

    Acts in ``before_test_epoch`` with the lowest priority, i.e. after the
    checkpoint was loaded and after ``EMAHook`` swapped in the averaged weights;
    the original model is restored after the test. Not for validation during
    training (the copy would go stale).

    Args:
        deploy: re-parameterise for inference. Defaults to True.
        compile: ``torch.compile`` the backbone. Defaults to False.
        bf16: bf16 autocast (native support required unless ``allow_emulated``).
            Defaults to False.
        allow_emulated: allow bf16 on a CPU without native bf16. Defaults to False.
    """
    priority = 'LOWEST'

    def __init__(self, deploy: bool = True, compile: bool = False, bf16: bool = False,
                 allow_emulated: bool = False) -> None:
        self.deploy, self.compile, self.bf16 = deploy, compile, bf16
        self.allow_emulated = allow_emulated
        self._original = None

    def before_test_epoch(self, runner) -> None:
        if is_model_wrapper(runner.model):
            raise RuntimeError('InferenceOptimizeHook (--deploy/--compile/--bf16) runs on a '
                               'single process: run tools/test.py without --launcher.')
        param = next(runner.model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        if self.bf16:
            runner.logger.info(f'bf16: {check_bf16(device, self.allow_emulated)}')
        self._original = runner.model
        runner.model = optimize_for_inference(runner.model, self.deploy, self.compile,
                                              self.bf16, device)
        paths = [n for n, on in (('deployed', self.deploy), ('compiled', self.compile),
                                 ('bf16', self.bf16)) if on]
        runner.logger.info(f'testing the {" + ".join(paths) or "eager"} model')

    def after_test(self, runner) -> None:
        if self._original is not None:
            runner.model = self._original
            self._original = None

