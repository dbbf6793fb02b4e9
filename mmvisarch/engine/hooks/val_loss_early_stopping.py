"""Early stopping on the smoothed validation loss ("Pruning Compact ConvNets for
Efficient Inference", Ghosh et al., Sec. 3.2): fine-tuning after pruning stops once
the smoothed validation loss changes by less than 0.01% between two consecutive
epochs.

mmengine's ``EarlyStoppingHook`` watches an evaluator metric with a patience; the
paper watches the *loss* on held-out data, which mmpretrain's validation loop does
not compute. This hook computes it itself after every training epoch (the model's
``mode='loss'`` forward in eval mode, no gradients) on the validation dataloader or
on a dataloader of its own (the paper holds out 50k training images, App. A.1).
The paper does not define the smoothing; here it is an exponential moving average
``s_t = m * s_{t-1} + (1 - m) * loss_t`` with ``momentum`` m (0.5 by default).
"""
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmvisarch.registry import HOOKS


@HOOKS.register_module()
class ValLossEarlyStoppingHook(Hook):
    """Stop training when the smoothed held-out loss has converged.

    Args:
        tol: relative change ``|s_t - s_{t-1}| / |s_{t-1}|`` below which training
            stops. Defaults to 1e-4 (0.01%, Sec. 3.2).
        momentum: EMA factor of the smoothing, in [0, 1); 0 is no smoothing.
            Defaults to 0.5.
        dataloader: a dataloader config for the held-out data; None uses the
            runner's validation dataloader. Defaults to None.
        min_epochs: never stop before this many epochs. Defaults to 1.
    """

    priority = 'LOW'

    def __init__(self, tol: float = 1e-4, momentum: float = 0.5,
                 dataloader: Optional[dict] = None, min_epochs: int = 1) -> None:
        if not tol > 0:
            raise ValueError(f'tol must be > 0, got {tol!r}.')
        if not 0 <= momentum < 1:
            raise ValueError(f'momentum must be in [0, 1), got {momentum!r}.')
        self.tol, self.momentum, self.min_epochs = tol, momentum, min_epochs
        self.dataloader_cfg = dataloader
        self._loader = None
        self.smoothed: Optional[float] = None
        self.history: list = []

    def _dataloader(self, runner):
        if self._loader is None:
            if self.dataloader_cfg is not None:
                self._loader = runner.build_dataloader(self.dataloader_cfg)
            else:
                self._loader = runner.val_dataloader
        return self._loader

    @torch.no_grad()
    def held_out_loss(self, runner) -> float:
        """Mean loss per sample on the held-out data (all ranks together)."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        total = torch.zeros(2, dtype=torch.float64, device=device)
        try:
            for data in self._dataloader(runner):
                data = model.data_preprocessor(data, False)
                losses = model(**data, mode='loss')
                loss = sum(v.sum() if isinstance(v, torch.Tensor) else sum(x.sum() for x in v)
                           for k, v in losses.items() if 'loss' in k)
                n = data['inputs'].shape[0]
                total += torch.stack([loss.double() * n, torch.tensor(n, dtype=torch.float64,
                                                                      device=device)])
        finally:
            model.train(was_training)
        all_reduce(total)
        if total[1] == 0:
            raise RuntimeError('ValLossEarlyStoppingHook: the held-out dataloader is empty.')
        return float(total[0] / total[1])

    def after_train_epoch(self, runner) -> None:
        loss = self.held_out_loss(runner)
        previous = self.smoothed
        self.smoothed = loss if previous is None else (
            self.momentum * previous + (1 - self.momentum) * loss)
        self.history.append(self.smoothed)
        runner.message_hub.update_scalar('train/held_out_loss', loss)
        runner.message_hub.update_scalar('train/held_out_loss_smoothed', self.smoothed)
        if previous is None:
            return
        change = abs(self.smoothed - previous) / max(abs(previous), 1e-12)
        print_log(f'ValLossEarlyStoppingHook: held-out loss {loss:.6f}, smoothed '
                  f'{self.smoothed:.6f}, relative change {change:.3e} (tol {self.tol:g})',
                  logger='current')
        if change < self.tol and runner.epoch + 1 >= self.min_epochs:
            print_log(f'ValLossEarlyStoppingHook: converged after epoch {runner.epoch + 1}; '
                      'stopping.', logger='current')
            runner.train_loop.stop_training = True

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['val_loss_early_stopping'] = dict(
            smoothed=self.smoothed, history=list(self.history))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('val_loss_early_stopping')
        if state:
            self.smoothed, self.history = state['smoothed'], list(state['history'])
