"""Switch on ADP-C confidence adaptivity after a warm-up (Sec. 2.4.5).

Liu, "Efficient and Scalable Neural Architectures for Visual Recognition"
(dissertation, 2022): "The RH + CA model adopts adaptivity after 10 epochs of
normal training, because nearly all outputs are too close to zero in the
beginning." The state follows from the epoch, so resuming needs nothing saved.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmvisarch.registry import HOOKS


@HOOKS.register_module()
class AdaptivityWarmupHook(Hook):
    """Disable the model's ``adaptivity`` before epoch ``start_epoch`` (0-based).

    Args:
        start_epoch (int): First epoch trained with adaptivity. Defaults to 10.
    """

    priority = 'NORMAL'

    def __init__(self, start_epoch: int = 10) -> None:
        if not isinstance(start_epoch, int) or start_epoch < 0:
            raise ValueError(f'start_epoch must be an integer >= 0, got {start_epoch!r}')
        self.start_epoch = start_epoch

    @staticmethod
    def _context(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        context = getattr(model, 'adaptivity', None)
        if context is None:
            raise TypeError(f'AdaptivityWarmupHook needs a model with confidence adaptivity '
                            f'(model.adaptivity=dict(...)), got {type(model).__name__} without')
        return context

    def before_train_epoch(self, runner) -> None:
        self._context(runner).enabled = runner.epoch >= self.start_epoch

    def after_train(self, runner) -> None:
        self._context(runner).enabled = True
