"""Dynamic sparsity training hook of SLaK (Liu et al., ICLR 2023, Sec. 4, Appendix B).

Reference: https://github.com/VITA-Group/SLaK (``sparse_core.py``: ``Masking``,
``funcs.py``, ``model_sema.py``), where sparse training is wired into its own
ImageNet loop. Here it is an mmengine hook, so any config (classification,
detection, segmentation) can train sparse. The plain-PyTorch pieces live in
:mod:`mmvisarch.sparsity`.

One optimizer step goes as the reference's ``Masking.step``: the optimizer
steps (inside ``train_step``), the masks are applied (weights and SGD
momentum), and every ``update_interval`` optimizer steps each layer is pruned
and regrown, so regrown weights start at exactly zero. With gradient
accumulation (``accumulative_counts``) nothing happens between optimizer
steps and the interval counts optimizer steps, as in the reference (whose
``Masking.step`` runs once per ``--update_freq`` batches).

Masks are ``weight_mask`` buffers of the model: they go into every checkpoint,
come back on ``--resume`` and when a checkpoint is loaded for fine-tuning or
testing. EMA copies (``EMAHook``) carry the same masks; this hook runs before
``EMAHook`` in ``after_train_iter`` and prepares the EMA weights as the
reference's ``ModelEma.update(model, mask)`` does: zero outside the mask, and an
EMA weight that is zero inside the mask (newly grown) starts at the model's
value instead of being averaged from zero.

An official training checkpoint (``checkpoint-<epoch>.pth`` of the reference)
given to ``--resume`` is converted when it is loaded (``after_load_checkpoint``)
and continues with its optimizer state, epoch, lr and prune-rate schedules.
"""
import copy
import math
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
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
from mmvisarch.sparsity.dynamic import DRAWS, GROWTH_MODES, PRUNE_MODES, erk_densities

INITS = ('snip', 'uniform', 'erk')
SNIP_LOSSES = ('cross_entropy', 'model')


def _check_number(name: str, value, low: float, high: float, low_open: bool = False,
                  high_open: bool = True) -> float:
    """``value`` or a ValueError naming the option and its valid range."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low) and \
            (value < high if high_open else value <= high)
    if not ok:
        interval = f'{"(" if low_open else "["}{low}, {high}{")" if high_open else "]"}'
        raise ValueError(f'DynamicSparsityHook {name} must be a number in {interval}, '
                         f'got {value!r}.')
    return float(value)


def _check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f'DynamicSparsityHook {name} must be one of {choices}, got {value!r}.')
    return value


@HOOKS.register_module()
class DynamicSparsityHook(Hook):
    """Sparse training with random masks and prune-and-grow (SLaK, Appendix B).

    At the start of training the masks are, in order of preference: those in
    the loaded checkpoint (resume, fine-tuning); the exact zeros of loaded
    weights (an official sparse checkpoint, which carries no masks, as the
    reference's ``--sparse_init resume``); or new masks drawn at random with
    per-layer densities from ``init``.

    Args:
        sparsity: overall fraction of zero weights over the sparse layers, in
            [0, 1). Defaults to 0.4 (SLaK).
        init: ``'snip'`` (layer densities from a global threshold on
            ``|g * w|`` of one training batch), ``'uniform'`` (every layer
            ``1 - sparsity``) or ``'erk'`` (Erdos-Renyi-Kernel), the
            reference's ``--sparse_init`` modes. Defaults to 'snip'.
        targets: which weights are sparse: ``'all'`` (every 2-D / 4-D weight,
            as the reference), ``'large_kernel'`` (only SLaK's large kernels,
            the reference's ``--only-L``) or a regex over module names.
            Defaults to 'all'.
        prefix: restrict to the modules under this name, e.g. ``'backbone'``.
            Defaults to None (whole model).
        update_interval: prune and regrow every this many optimizer steps (the
            reference's ``--update_frequency``); None or 0 keeps the masks fixed
            (the reference's ``--fix``, downstream fine-tuning). Defaults to 100.
        prune_rate: initial fraction of each layer's nonzeros moved per update,
            decayed by a cosine schedule over the optimizer steps of the run,
            in [0, 1). Defaults to 0.3.
        min_prune_rate: the floor of the cosine schedule, in [0, 1).
            Defaults to 0.005.
        dense_threshold: layers whose initial mask is at least this dense stay
            dense (all-ones mask), as in the reference; in (0, 1].
            Defaults to 0.99.
        prune: prune mode, ``'magnitude'`` (the reference's default; its other
            modes ``SET`` and ``global_magnitude`` fail with an
            AttributeError at the reference commit). Defaults to 'magnitude'.
        growth: ``'random'`` or ``'momentum'`` (largest ``|momentum|``: Adam's
            ``exp_avg / (sqrt(exp_avg_sq) + 1e-8)`` or SGD's buffer), the
            reference's working ``--growth`` modes. Defaults to 'random'.
        draw: how random masks and random regrowth are drawn: ``'exact'``
            (exactly the intended count) or ``'bernoulli'`` (each position
            independently, the reference's ``torch.rand(...) < p``; the count
            varies). Defaults to 'exact'.
        snip_loss: ``'cross_entropy'`` (the reference: plain cross-entropy of
            the logits on the hard labels, on a copy of the model, without the
            training batch augments such as Mixup/CutMix) or ``'model'`` (the
            model's own loss, for detectors and segmentors; also on a copy
            without batch augments). Defaults to 'cross_entropy'.
        seed: seed of the random masks, the SNIP batch and the regrowth; each
            update's generator is derived from the seed and the optimizer step,
            so it does not depend on whether the run was resumed. Defaults to 0.
    """

    # after_train_iter: after the optimizer step (train_step), BEFORE EMAHook (ABOVE_NORMAL)
    # so that the EMA copy averages the masked weights and copies the current masks, and
    # before CheckpointHook (VERY_LOW)
    priority = 'HIGH'

    def __init__(self, sparsity: float = 0.4, init: str = 'snip', targets: str = 'all',
                 prefix: Optional[str] = None, update_interval: Optional[int] = 100,
                 prune_rate: float = 0.3, min_prune_rate: float = 0.005,
                 dense_threshold: float = 0.99, prune: str = 'magnitude',
                 growth: str = 'random', draw: str = 'exact',
                 snip_loss: str = 'cross_entropy', seed: int = 0) -> None:
        self.sparsity = check_sparsity(sparsity)
        self.init = _check_choice('init', init, INITS)
        if not isinstance(targets, str):
            raise ValueError(f'DynamicSparsityHook targets must be "all", "large_kernel" or a '
                             f'regular expression over module names, got {targets!r}.')
        if prefix is not None and (not isinstance(prefix, str) or not prefix):
            raise ValueError(f'DynamicSparsityHook prefix must be None or a module name such '
                             f'as "backbone", got {prefix!r}.')
        if update_interval is not None and (not isinstance(update_interval, int)
                                            or isinstance(update_interval, bool)
                                            or update_interval < 0):
            raise ValueError(f'DynamicSparsityHook update_interval must be a non-negative int '
                             f'(optimizer steps) or None (fixed masks), got {update_interval!r}.')
        self.prune_rate = _check_number('prune_rate', prune_rate, 0, 1)
        self.min_prune_rate = _check_number('min_prune_rate', min_prune_rate, 0, 1)
        self.dense_threshold = _check_number('dense_threshold', dense_threshold, 0, 1,
                                             low_open=True, high_open=False)
        self.prune = _check_choice('prune', prune, PRUNE_MODES)
        self.growth = _check_choice('growth', growth, GROWTH_MODES)
        self.draw = _check_choice('draw', draw, DRAWS)
        self.snip_loss = _check_choice('snip_loss', snip_loss, SNIP_LOSSES)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f'DynamicSparsityHook seed must be an int, got {seed!r}.')
        self.targets, self.prefix, self.seed = targets, prefix, seed
        self.update_interval = update_interval or 0
        self.init_densities: Dict[str, float] = {}
        self._fast_forward = 0  # iterations of an official checkpoint being resumed

    @staticmethod
    def _model(runner) -> nn.Module:
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _candidates(self, model: nn.Module) -> Dict[str, nn.Module]:
        candidates = sparse_candidates(model, self.targets, self.prefix)
        if candidates:
            return candidates
        if self.prefix and not any(n == self.prefix or n.startswith(self.prefix + '.')
                                   for n, _ in model.named_modules()):
            raise ValueError(f'DynamicSparsityHook prefix={self.prefix!r} names no module of '
                             f'the model (top-level modules: '
                             f'{[n for n, _ in model.named_children()]}).')
        raise ValueError(f'DynamicSparsityHook targets={self.targets!r}'
                         f'{f" under prefix={self.prefix!r}" if self.prefix else ""} matches '
                         f'no module with a 2-D or 4-D weight; use "all", "large_kernel" or a '
                         f'regular expression over module names.')

    def before_run(self, runner) -> None:
        # Before the checkpoint is loaded (train, val and test), so its masks are kept: every
        # sparse-able weight gets an all-ones mask now, filled in by the checkpoint or in
        # before_train. EMA copies get the same buffers (the EMA keeps buffers in step with
        # the model's by position).
        model = self._model(runner)
        enable_mask_loading(model)
        names = list(self._candidates(model))
        for target in [model] + self._ema_models(runner):
            modules = dict(target.named_modules())
            for name in names:
                module = modules.get(name)
                if module is not None and not isinstance(getattr(module, MASK_NAME, None),
                                                         torch.Tensor):
                    set_mask(module, torch.ones_like(module.weight, dtype=torch.bool))

    def before_train(self, runner) -> None:
        self._check_hook_order(runner)
        if self._fast_forward:
            self._fast_forward_schedulers(runner, self._fast_forward)
            self._fast_forward = 0
        model = self._model(runner)
        candidates = self._candidates(model)
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
                densities = self._snip_densities(runner)
            elif self.init == 'erk':
                densities = erk_densities({n: m.weight.shape for n, m in candidates.items()},
                                          1 - self.sparsity)
            else:
                densities = {name: 1 - self.sparsity for name in candidates}
            self.init_densities = dict(densities)
            init_random_masks(candidates, densities, generator, self.dense_threshold,
                              self.draw)
            source = f'drawn at random with {self.init} layer-wise densities'
        else:
            return
        self._sync_masks(model)
        apply_masks(model, self._optimizers(runner))
        self._prepare_ema(runner, model)
        stats = sparsity_stats(model)
        print_log(f'DynamicSparsityHook: masks {source}: sparsity {stats["sparsity"]:.4f} of '
                  f'{stats["masked_weights"]} weights in {stats["masked_layers"]} layers '
                  f'({stats["sparse_layers"]} sparse).', logger='current')

    def _check_hook_order(self, runner) -> None:
        names = [type(h).__name__ for h in runner.hooks]
        mine = next(i for i, h in enumerate(runner.hooks) if h is self)
        for index, hook in enumerate(runner.hooks):
            if getattr(getattr(hook, 'ema_model', None), 'module', None) is not None \
                    or type(hook).__name__ == 'EMAHook':
                if index < mine:
                    raise ValueError(
                        f'DynamicSparsityHook must run before {type(hook).__name__} (give it '
                        f'a higher priority than the EMA hook, e.g. keep its default '
                        f'"HIGH"); hook order now: {names}.')

    # --- SNIP ------------------------------------------------------------------------------
    def _snip_batch(self, runner):
        """One training batch, collated from the dataset directly: a second iterator over
        the runner's dataloader would disturb the training loop's (an infinite sampler's
        index generator is shared and closed with it)."""
        loader = runner.train_dataloader
        batch_size = loader.batch_size or getattr(loader.batch_sampler, 'batch_size', 1)
        generator = torch.Generator().manual_seed(self.seed)
        indices = torch.randperm(len(loader.dataset), generator=generator)[:batch_size]
        return loader.collate_fn([loader.dataset[int(i)] for i in indices])

    def _snip_densities(self, runner) -> Dict[str, float]:
        """SNIP layer densities as the reference's ``SNIP``: a copy of the model (the live
        model's BN statistics are untouched), in training mode, one batch normalised by
        the data preprocessor without its training batch augments (Mixup/CutMix), and
        plain cross-entropy on the hard labels (or the model's own loss)."""
        net = copy.deepcopy(self._model(runner))
        net.train()
        data = net.data_preprocessor(self._snip_batch(runner), False)
        candidates = sparse_candidates(net, self.targets, self.prefix)

        def loss_fn() -> torch.Tensor:
            if self.snip_loss == 'model':
                losses = net(**data, mode='loss') if isinstance(data, dict) else \
                    net(*data, mode='loss')
                return net.parse_losses(losses)[0]
            logits = net(**data, mode='tensor') if isinstance(data, dict) else \
                net(*data, mode='tensor')
            if isinstance(logits, (tuple, list)):
                logits = logits[-1]
            return F.cross_entropy(logits, self._hard_labels(data).to(logits.device))

        densities = snip_densities(candidates, loss_fn, self.sparsity)
        del net
        return densities

    @staticmethod
    def _hard_labels(data) -> torch.Tensor:
        samples = data.get('data_samples') if isinstance(data, dict) else None
        if samples is not None and all(hasattr(s, 'gt_label') for s in samples):
            return torch.cat([torch.as_tensor(s.gt_label).view(-1)[:1] for s in samples]).long()
        for key in ('label', 'labels', 'gt_label'):
            if isinstance(data, dict) and isinstance(data.get(key), torch.Tensor):
                return data[key].long()
        raise ValueError('DynamicSparsityHook snip_loss="cross_entropy" needs hard class '
                         'labels in the batch (data samples with gt_label); for a detector or '
                         'segmentor use snip_loss="model" or init="uniform"/"erk".')

    # --- training steps --------------------------------------------------------------------
    @staticmethod
    def _optim_wrappers(runner) -> list:
        wrapper = runner.optim_wrapper
        return list(wrapper.values()) if hasattr(wrapper, 'values') else [wrapper]

    def _optimizers(self, runner) -> List[torch.optim.Optimizer]:
        return [w.optimizer for w in self._optim_wrappers(runner)
                if hasattr(w, 'optimizer')]

    def _accumulation(self, runner) -> int:
        return max(int(getattr(w, '_accumulative_counts', 1))
                   for w in self._optim_wrappers(runner))

    def optimizer_step(self, runner) -> int:
        """Optimizer steps completed after this iteration (1-based)."""
        return math.ceil((runner.iter + 1) / self._accumulation(runner))

    def total_optimizer_steps(self, runner) -> int:
        return math.ceil(runner.max_iters / self._accumulation(runner))

    def current_prune_rate(self, runner) -> float:
        """The reference's ``CosineDecay`` after this optimizer step."""
        return cosine_prune_rate(self.prune_rate, self.optimizer_step(runner),
                                 self.total_optimizer_steps(runner), self.min_prune_rate)

    def _stepped(self, runner) -> bool:
        """Whether this iteration ended with an optimizer step (not an accumulation one)."""
        wrappers = [w for w in self._optim_wrappers(runner) if hasattr(w, 'should_update')]
        return not wrappers or any(w.should_update() for w in wrappers)

    @staticmethod
    def _sync_masks(model: nn.Module) -> None:
        """Every rank takes rank 0's masks."""
        if not is_distributed():
            return
        for module in masked_modules(model).values():
            mask = getattr(module, MASK_NAME).to(torch.uint8)
            broadcast(mask, 0)
            set_mask(module, mask.bool())

    def _growth_score(self, runner, weight: torch.Tensor) -> Optional[torch.Tensor]:
        if self.growth != 'momentum':
            return None
        for optimizer in self._optimizers(runner):
            state = optimizer.state.get(weight, {})
            if 'exp_avg' in state and 'exp_avg_sq' in state:
                return state['exp_avg'] / (torch.sqrt(state['exp_avg_sq']) + 1e-8)
            if 'momentum_buffer' in state:
                return state['momentum_buffer']
        raise ValueError('DynamicSparsityHook growth="momentum" needs an optimizer with '
                         'momentum state (Adam/AdamW exp_avg, SGD momentum_buffer).')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self._model(runner)
        if self._stepped(runner):
            optimizers = self._optimizers(runner)
            apply_masks(model, optimizers)
            step = self.optimizer_step(runner)
            if self.update_interval and step % self.update_interval == 0:
                rate = self.current_prune_rate(runner)
                moved = 0
                for index, module in enumerate(masked_modules(model).values()):
                    generator = torch.Generator().manual_seed(self.seed + step * 100003 + index)
                    moved += prune_and_grow(module, rate, generator, self.growth, self.draw,
                                            self._growth_score(runner, module.weight))
                self._sync_masks(model)
                apply_masks(model, optimizers)
                runner.message_hub.update_scalar('train/prune_rate', rate)
                print_log(f'DynamicSparsityHook: optimizer step {step}, iter {runner.iter + 1}: '
                          f'prune-and-grow rate {rate:.4f}, {moved} weights moved.',
                          logger='current')
        self._prepare_ema(runner, model)

    # --- official training checkpoints -------------------------------------------------------
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Turn an official SLaK training checkpoint (``utils.save_model`` of the reference:
        ``{'model', 'optimizer', 'epoch', 'scaler', 'args'[, 'model_ema']}``) into an
        mmengine one in place, so that ``--resume`` continues it: weights (masks from their
        zeros in ``before_train``), AdamW/SGD state mapped by parameter name, the epoch and
        iteration, the AMP scaler, and (``before_train``) the lr schedule stepped to that
        iteration; the prune rate follows from the iteration."""
        if not (isinstance(checkpoint, dict) and {'model', 'optimizer', 'epoch'} <= set(checkpoint)
                and 'meta' not in checkpoint and 'state_dict' not in checkpoint):
            return
        if not isinstance(checkpoint['epoch'], int):
            raise ValueError(f'DynamicSparsityHook: the official checkpoint of epoch '
                             f'{checkpoint["epoch"]!r} (e.g. "best") is not a training state '
                             f'to resume; use a checkpoint-<epoch>.pth.')
        args = checkpoint.get('args')
        if args is not None and getattr(args, 'layer_decay', 1.0) != 1.0:
            raise ValueError('DynamicSparsityHook: resuming an official checkpoint trained with '
                             f'--layer_decay {args.layer_decay} is not supported (its optimizer '
                             'groups are per layer); only --layer_decay 1.0.')
        model = self._model(runner)
        official = checkpoint['model']
        names = self._official_names(model, official)
        state = self._to_model_names(model, official)
        epochs = checkpoint['epoch'] + 1  # the reference saves after finishing that epoch
        iters = epochs * len(runner.train_dataloader)
        checkpoint['meta'] = dict(epoch=epochs, iter=iters)
        checkpoint['message_hub'] = runner.message_hub.state_dict()
        ema_hooks = [h for h in runner.hooks if hasattr(h, '_swap_ema_state_dict')]
        if ema_hooks and isinstance(checkpoint.get('model_ema'), dict):
            # mmengine keeps the EMA weights in state_dict and the source ones in
            # ema_state_dict (EMAHook swaps them back on load)
            ema = self._to_model_names(model, checkpoint.pop('model_ema'))
            checkpoint['ema_state_dict'] = {'module.' + k: v for k, v in state.items()}
            checkpoint['ema_state_dict']['steps'] = torch.tensor(iters)
            state = ema
        checkpoint['state_dict'] = state
        wrapper = self._optim_wrappers(runner)[0]
        checkpoint['optimizer'] = self._map_optimizer(model, wrapper.optimizer,
                                                      checkpoint['optimizer'], names, official)
        if checkpoint.get('scaler') and hasattr(wrapper, 'loss_scaler'):
            checkpoint['optimizer']['loss_scaler'] = checkpoint['scaler']
        self._fast_forward = iters
        print_log(f'DynamicSparsityHook: official SLaK training checkpoint of epoch '
                  f'{checkpoint["epoch"]}: resuming at epoch {epochs}, iteration {iters}.',
                  logger='current')

    @staticmethod
    def _to_model_names(model: nn.Module, official: dict) -> dict:
        """Official classifier keys -> the model's (``backbone.*``, ``head.fc.*``)."""
        backbone = getattr(model, 'backbone', None)
        if backbone is None or not hasattr(backbone, 'convert_state_dict'):
            raise ValueError('DynamicSparsityHook: an official training checkpoint resumes into '
                             'a classifier whose backbone has convert_state_dict (SLaK, '
                             'ConvNeXt).')
        state = {'backbone.' + k: v for k, v in backbone.convert_state_dict(official).items()}
        for key in ('weight', 'bias'):
            if f'head.{key}' in official:
                state[f'head.fc.{key}'] = official[f'head.{key}']
        return state

    def _official_names(self, model: nn.Module, official: dict) -> Dict[str, str]:
        """``{model parameter name: official parameter name}``."""
        mapping = {}
        for name, value in official.items():
            converted = list(self._to_model_names(model, {name: value}))
            if len(converted) == 1:
                mapping[converted[0]] = name
        return mapping

    @staticmethod
    def _map_optimizer(model: nn.Module, optimizer, official: dict, names: Dict[str, str],
                       official_weights: dict) -> dict:
        """The reference's optimizer state (groups 'decay' / 'no_decay' of
        ``optim_factory.get_parameter_groups``, parameters in ``named_parameters`` order)
        re-indexed for this optimizer's groups, by parameter name."""
        by_name = dict(model.named_parameters())
        params = set(n for n in names if n in by_name and by_name[n].requires_grad)
        # the reference's model.named_parameters() order = its state_dict order, buffers left out
        trainable = [k for k, v in official_weights.items()
                     if k in {names[n] for n in params}]

        def no_decay(key):
            return official_weights[key].ndim == 1 or key.endswith('.bias')

        decay_group = [k for k in trainable if not no_decay(k)]
        no_decay_group = [k for k in trainable if no_decay(k)]
        groups = [g for g in ((decay_group, no_decay_group)
                              if trainable and not no_decay(trainable[0])
                              else (no_decay_group, decay_group)) if g]
        order = [n for group in groups for n in group]
        count = sum(len(g['params']) for g in official['param_groups'])
        if count != len(order):
            raise ValueError(f'DynamicSparsityHook: the official optimizer holds {count} '
                             f'parameters, the model has {len(order)} matching ones.')
        official_state = {order[index]: value for index, value in official['state'].items()}
        ours = optimizer.state_dict()
        ids = {id(p): n for n, p in by_name.items()}
        flat = [p for group in optimizer.param_groups for p in group['params']]
        state = {}
        for index, param in enumerate(flat):
            source = official_state.get(names.get(ids.get(id(param)), ''))
            if source is None:
                continue
            state[index] = {k: (v.reshape(param.shape) if isinstance(v, torch.Tensor)
                                and v.numel() == param.numel() and v.ndim > 0 else v)
                            for k, v in source.items()}
        ours['state'] = state
        return ours

    def _fast_forward_schedulers(self, runner, iters: int) -> None:
        """Step the param schedulers as ParamSchedulerHook would have, up to ``iters``."""
        schedulers = runner.param_schedulers or []
        if isinstance(schedulers, dict):
            schedulers = [s for group in schedulers.values() for s in group]
        per_epoch = len(runner.train_dataloader)
        for it in range(iters):
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
            if (it + 1) % per_epoch == 0:
                for scheduler in schedulers:
                    if scheduler.by_epoch:
                        scheduler.step()

    # --- EMA -------------------------------------------------------------------------------
    @staticmethod
    def _ema_models(runner) -> list:
        """The averaged copies held by EMA hooks (``EMAHook.ema_model.module``)."""
        return [hook.ema_model.module for hook in runner.hooks
                if getattr(getattr(hook, 'ema_model', None), 'module', None) is not None]

    @torch.no_grad()
    def _prepare_ema(self, runner, model: nn.Module) -> None:
        """Give EMA copies the current masks and, before they average this step, zero their
        weights outside the masks and set a zero weight inside a mask (newly grown) to the
        model's value. The EMA update then gives what the reference's
        ``ModelEma.update(model, mask)`` gives: 0 outside the mask, the model's value for a
        new weight, the moving average elsewhere."""
        masked = masked_modules(model)
        for ema in self._ema_models(runner):
            ema_modules = dict(ema.named_modules())
            for name, module in masked.items():
                target = ema_modules.get(name)
                if target is None or target.weight.shape != module.weight.shape:
                    continue
                mask = getattr(module, MASK_NAME)
                if isinstance(getattr(target, MASK_NAME, None), torch.Tensor):
                    getattr(target, MASK_NAME).copy_(mask.to(target.weight.device))
                else:
                    target.register_buffer(MASK_NAME, mask.clone().to(target.weight.device))
                mask = mask.to(target.weight.device)
                weight = target.weight
                weight.mul_(mask)
                fresh = mask & (weight == 0)
                weight.copy_(torch.where(fresh, module.weight.to(weight.device), weight))
