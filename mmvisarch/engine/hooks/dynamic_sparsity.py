"""Dynamic sparsity training hook of SLaK (Liu et al., ICLR 2023, Sec. 4, Appendix B).

Reference: https://github.com/VITA-Group/SLaK (``sparse_core.py``: ``Masking``),
where sparse training is wired into its own ImageNet loop. Here it is an
mmengine hook, so any config (classification, detection, segmentation) can
train sparse. The plain-PyTorch pieces live in :mod:`mmvisarch.sparsity`.

Masks are ``weight_mask`` buffers of the model: they go into every checkpoint,
come back on ``--resume`` and when a checkpoint is loaded for fine-tuning or
testing. The masks are re-applied in ``after_train_iter``, i.e. after the
optimizer wrapper has (or has not) stepped, so they hold with AMP
(``AmpOptimWrapper``, including skipped steps) and with gradient accumulation
(``accumulative_counts``: the weights do not change between updates, so
re-applying is harmless). ``update_interval`` counts training iterations. EMA copies
(``EMAHook``) are masked as well, so EMA weights saved or evaluated stay sparse.
"""
from typing import Optional

import torch
from mmengine.dist import broadcast, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import nn

from mmvisarch.registry import HOOKS
from mmvisarch.sparsity import (MASK_NAME, apply_masks, check_sparsity, cosine_prune_rate,
                                enable_mask_loading, init_random_masks, masked_modules,
                                masks_from_zeros, prune_and_grow, set_mask, snip_densities,
                                sparse_candidates, sparsity_stats)

INITS = ('snip', 'uniform')


@HOOKS.register_module()
class DynamicSparsityHook(Hook):
    """Sparse training with SNIP-ratio random masks and prune-and-grow (SLaK, Appendix B).

    At the start of training the masks are, in order of preference: those in
    the loaded checkpoint (resume, fine-tuning); the exact zeros of loaded
    weights (an official sparse checkpoint, which carries no masks); or new
    masks drawn at random with per-layer densities from ``init``.

    Args:
        sparsity: overall fraction of zero weights over the sparse layers, in
            [0, 1). Defaults to 0.4 (SLaK).
        init: ``'snip'`` (layer densities from a global top-k of ``|g * w|`` on
            one training batch) or ``'uniform'`` (every layer ``1 - sparsity``).
            Defaults to 'snip'.
        targets: which weights are sparse: ``'all'`` (every 2-D / 4-D weight,
            as the reference), ``'large_kernel'`` (only SLaK's large kernels,
            the reference's ``--only-L``) or a regex over module names.
            Defaults to 'all'.
        prefix: restrict to the modules under this name, e.g. ``'backbone'``.
            Defaults to None (whole model).
        update_interval: prune and regrow every this many iterations; None or 0
            keeps the masks fixed (downstream fine-tuning). Defaults to 100.
        prune_rate: initial fraction of each layer's nonzeros moved per update,
            decayed by a cosine schedule over the run. Defaults to 0.3.
        min_prune_rate: the floor of the cosine schedule. Defaults to 0.005.
        dense_threshold: layers at least this dense after SNIP stay dense
            (all-ones mask), as in the reference. Defaults to 0.99.
        seed: seed of the random masks and of the regrowth; each update's
            generator is derived from the seed and the iteration, so it does
            not depend on whether the run was resumed. Defaults to 0.
    """

    # after EMAHook (ABOVE_NORMAL) has averaged this step, before CheckpointHook (VERY_LOW):
    # both the model and its EMA copy are masked when a checkpoint is written
    priority = 'BELOW_NORMAL'

    def __init__(self, sparsity: float = 0.4, init: str = 'snip', targets: str = 'all',
                 prefix: Optional[str] = None, update_interval: Optional[int] = 100,
                 prune_rate: float = 0.3, min_prune_rate: float = 0.005,
                 dense_threshold: float = 0.99, seed: int = 0) -> None:
        self.sparsity = check_sparsity(sparsity)
        if init not in INITS:
            raise ValueError(f'DynamicSparsityHook init must be one of {INITS}, got {init!r}.')
        if update_interval is not None and (not isinstance(update_interval, int)
                                            or update_interval < 0):
            raise ValueError(f'update_interval must be a non-negative int or None (fixed '
                             f'masks), got {update_interval!r}.')
        if not 0 <= prune_rate < 1:
            raise ValueError(f'prune_rate must be in [0, 1), got {prune_rate!r}.')
        self.init, self.targets, self.prefix = init, targets, prefix
        self.update_interval = update_interval or 0
        self.prune_rate, self.min_prune_rate = prune_rate, min_prune_rate
        self.dense_threshold, self.seed = dense_threshold, seed

    @staticmethod
    def _model(runner) -> nn.Module:
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_run(self, runner) -> None:
        # Before the checkpoint is loaded (train, val and test), so its masks are kept: every
        # sparse-able weight gets an all-ones mask now, filled in by the checkpoint or in
        # before_train. EMA copies made earlier (EMAHook.before_run) get the same buffers,
        # as the EMA keeps its buffers in step with the model's by position.
        model = self._model(runner)
        enable_mask_loading(model)
        names = list(sparse_candidates(model, self.targets, self.prefix))
        for copy in [model] + self._ema_models(runner):
            modules = dict(copy.named_modules())
            for name in names:
                module = modules.get(name)
                if module is not None and not isinstance(getattr(module, MASK_NAME, None),
                                                         torch.Tensor):
                    set_mask(module, torch.ones_like(module.weight, dtype=torch.bool))

    def before_train(self, runner) -> None:
        model = self._model(runner)
        candidates = sparse_candidates(model, self.targets, self.prefix)
        from_zeros = masks_from_zeros(candidates, self.dense_threshold)
        if any(not bool(getattr(m, MASK_NAME).all()) for m in masked_modules(model).values()):
            source = 'restored from the checkpoint'
        elif from_zeros:
            for name, mask in from_zeros.items():
                set_mask(candidates[name], mask)
            source = 'derived from the zeros of the loaded weights'
        elif self.sparsity > 0:
            generator = torch.Generator().manual_seed(self.seed)
            if self.init == 'snip':
                densities = snip_densities(candidates, lambda: self._one_batch_loss(runner),
                                           self.sparsity)
            else:
                densities = {name: 1 - self.sparsity for name in candidates}
            init_random_masks(candidates, densities, generator, self.dense_threshold)
            source = f'drawn at random with {self.init} layer-wise densities'
        else:
            return
        self._sync_masks(model)
        apply_masks(model)
        self._mask_ema_models(runner, model)
        stats = sparsity_stats(model)
        print_log(f'DynamicSparsityHook: masks {source}: sparsity {stats["sparsity"]:.4f} of '
                  f'{stats["masked_weights"]} weights in {stats["masked_layers"]} layers '
                  f'({stats["sparse_layers"]} sparse).', logger='current')

    def _one_batch_loss(self, runner) -> torch.Tensor:
        """The training loss of one batch (mmengine ``BaseModel`` interface).

        The batch is collated from the dataset directly: opening a second
        iterator over the runner's dataloader would disturb the training loop's
        (an infinite sampler's index generator is shared and closed with it).
        """
        loader = runner.train_dataloader
        batch_size = loader.batch_size or getattr(loader.batch_sampler, 'batch_size', 1)
        generator = torch.Generator().manual_seed(self.seed)
        indices = torch.randperm(len(loader.dataset), generator=generator)[:batch_size]
        batch = loader.collate_fn([loader.dataset[int(i)] for i in indices])
        model = self._model(runner)
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss') if isinstance(data, dict) else \
            model(*data, mode='loss')
        return model.parse_losses(losses)[0]

    @staticmethod
    def _sync_masks(model: nn.Module) -> None:
        """Every rank takes rank 0's masks (random draws differ between ranks)."""
        if not is_distributed():
            return
        for module in masked_modules(model).values():
            mask = getattr(module, MASK_NAME).to(torch.uint8)
            broadcast(mask, 0)
            set_mask(module, mask.bool())

    def current_prune_rate(self, runner) -> float:
        return cosine_prune_rate(self.prune_rate, runner.iter + 1, runner.max_iters,
                                 self.min_prune_rate)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self._model(runner)
        step = runner.iter + 1  # iterations completed, including this one
        if self.update_interval and step % self.update_interval == 0 and step < runner.max_iters:
            rate = self.current_prune_rate(runner)
            moved = 0
            for index, module in enumerate(masked_modules(model).values()):
                generator = torch.Generator().manual_seed(self.seed + step * 100003 + index)
                moved += prune_and_grow(module, rate, generator)
            self._sync_masks(model)
            runner.message_hub.update_scalar('train/prune_rate', rate)
            print_log(f'DynamicSparsityHook: iter {step}: prune-and-grow rate {rate:.4f}, '
                      f'{moved} weights moved.', logger='current')
        apply_masks(model)
        self._mask_ema_models(runner, model)

    @staticmethod
    def _ema_models(runner) -> list:
        """The averaged copies held by EMA hooks (``EMAHook.ema_model.module``)."""
        return [hook.ema_model.module for hook in runner.hooks
                if getattr(getattr(hook, 'ema_model', None), 'module', None) is not None]

    @torch.no_grad()
    def _mask_ema_models(self, runner, model: nn.Module) -> None:
        """Zero the masked-out weights of EMA copies too, so that evaluating or saving the
        EMA weights keeps the sparsity."""
        masked = masked_modules(model)
        for ema in self._ema_models(runner):
            ema_modules = dict(ema.named_modules())
            for name, module in masked.items():
                target = ema_modules.get(name)
                if target is not None and target.weight.shape == module.weight.shape:
                    target.weight.mul_(getattr(module, MASK_NAME))
