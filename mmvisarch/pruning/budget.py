"""Training budgets of pruned models: Scratch-E, Scratch-B and fine-tuning.

Dissertation Sec. 3.4 (Liu et al., "Rethinking the Value of Network Pruning",
ICLR 2019, Sec. 4 "Training Budget"): Scratch-E trains the pruned model for as
many epochs as the large model; Scratch-B for the same computation, i.e. the
epochs times ``ratio = FLOPs(unpruned) / FLOPs(pruned)`` of the whole models
(counted as the reference's ``compute_flops.py``), with the lr steps placed as
the reference's ``main_B.py`` places them. On ImageNet a model with 2x or more fewer FLOPs
just doubles its epochs. Fine-tuning uses the lowest lr of the large model's
schedule for 40 (CIFAR) or 20 (ImageNet) epochs. Reference scripts
(``main_B.py`` in https://github.com/Eric-mingjie/rethinking-network-pruning)
truncate with ``int``; Sparse Structure Selection's lr steps [35, 70, 105],
[43, 86, 129], [53, 106, 159] show that evenly spaced steps keep even spacing
(``k * int(step * ratio)``), which :func:`scratch_schedule` reproduces.
"""
from typing import List, Sequence, Tuple

DATASETS = ('imagenet', 'cifar')
FINETUNE_EPOCHS = dict(imagenet=20, cifar=40)


def _check_dataset(dataset: str) -> str:
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {DATASETS} (the budget rules differ), '
                         f'got {dataset!r}.')
    return dataset


def scale_milestones(milestones: Sequence[int], ratio: float) -> List[int]:
    """Stretch lr steps by ``ratio``: evenly spaced steps stay evenly spaced."""
    milestones = [int(m) for m in milestones]
    if milestones and all(m == (k + 1) * milestones[0] for k, m in enumerate(milestones)):
        step = int(milestones[0] * ratio)
        return [(k + 1) * step for k in range(len(milestones))]
    return [int(m * ratio) for m in milestones]


def _even_step(milestones: Sequence[int]) -> int:
    """The step of evenly spaced milestones ``[s, 2s, ...]``, else 0."""
    milestones = [int(m) for m in milestones]
    if milestones and all(m == (k + 1) * milestones[0] for k, m in enumerate(milestones)):
        return milestones[0]
    return 0


def scratch_schedule(epochs: int, milestones: Sequence[int], flops_ratio: float, mode: str,
                     dataset: str) -> Tuple[int, List[int]]:
    """Epochs and lr milestones of Scratch-E or Scratch-B, as the reference's ``main_B.py``.

    CIFAR (``cifar/*/main_B.py``): ``E = int(epochs * ratio)`` and each step
    at the same fraction of the run, ``int(E * m / epochs)`` (``[int(E * 0.5),
    int(E * 0.75)]`` for 160 / [80, 120]). ImageNet (``imagenet/*/main_B.py``):
    ratio >= 2 doubles the epochs (and the steps); otherwise ``E = int(epochs *
    ratio)`` and a step schedule ``lr * 0.1 ** (epoch // step)`` with
    ``step = int(E / (epochs / s))`` for base steps ``[s, 2s, ...]`` that divide
    the epochs, so every multiple of the step below E is a drop: ResNet-34-A's
    106 epochs drop at 35, 70 and 105. Base steps that do not divide the epochs
    (Sparse Structure Selection's 100 epochs, [30, 60, 90]) stretch the step,
    ``int(s * ratio)``; other milestones stretch one by one.

    Args:
        epochs: epochs of the unpruned model (ImageNet 90, CIFAR 160).
        milestones: its lr steps.
        flops_ratio: FLOPs of the whole unpruned over the whole pruned model (>= 1;
            :func:`mmvisarch.pruning.complexity.reference_flops`).
        mode: ``'E'`` (same epochs) or ``'B'`` (same budget).
        dataset: ``'imagenet'`` (2x cap) or ``'cifar'``.

    Raises:
        ValueError: for an unknown mode/dataset or a ratio below 1.
    """
    _check_dataset(dataset)
    if mode not in ('E', 'B'):
        raise ValueError(f"mode must be 'E' (Scratch-E) or 'B' (Scratch-B), got {mode!r}.")
    if not flops_ratio >= 1:
        raise ValueError(f'flops_ratio = FLOPs(unpruned) / FLOPs(pruned) must be >= 1, '
                         f'got {flops_ratio!r}; is the pruned model really smaller?')
    epochs, milestones = int(epochs), [int(m) for m in milestones]
    if mode == 'E':
        return epochs, milestones
    if dataset == 'cifar':
        new_epochs = int(epochs * flops_ratio)
        return new_epochs, [int(new_epochs * m / epochs) for m in milestones]
    if flops_ratio >= 2:
        return 2 * epochs, [2 * m for m in milestones]
    new_epochs = int(epochs * flops_ratio)
    step = _even_step(milestones)
    if not step:
        return new_epochs, [int(m * flops_ratio) for m in milestones]
    step = int(new_epochs / (epochs // step)) if epochs % step == 0 else int(step * flops_ratio)
    return new_epochs, list(range(step, new_epochs, step))


def finetune_lr(base_lr: float, gamma: float, milestones: Sequence[int]) -> float:
    """The lowest lr of a step schedule: ``base_lr * gamma ** len(milestones)``."""
    return base_lr * gamma ** len(milestones)


def _multistep(cfg) -> dict:
    schedulers = cfg.get('param_scheduler')
    schedulers = [schedulers] if isinstance(schedulers, dict) else list(schedulers or [])
    steps = [s for s in schedulers if s.get('type') == 'MultiStepLR']
    if len(steps) != 1:
        raise ValueError('The config needs exactly one MultiStepLR param_scheduler (the step '
                         f'schedules of Sec. 3.4); found {[s.get("type") for s in schedulers]}.')
    return steps[0]


def apply_scratch_schedule(cfg, flops_ratio: float, mode: str, dataset: str):
    """Write the Scratch-E/B epochs and milestones into an mmengine ``Config`` (in place)."""
    step = _multistep(cfg)
    epochs, milestones = scratch_schedule(cfg.train_cfg.max_epochs, step['milestones'],
                                          flops_ratio, mode, dataset)
    cfg.train_cfg.max_epochs = epochs
    step['milestones'] = milestones
    if step.get('end') is not None:
        step['end'] = epochs
    cfg.param_scheduler = [s if s.get('type') != 'MultiStepLR' else step
                           for s in ([cfg.param_scheduler] if isinstance(cfg.param_scheduler, dict)
                                     else cfg.param_scheduler)]
    return cfg


def apply_finetune_schedule(cfg, dataset: str):
    """Fine-tuning: the lowest lr of the large model's schedule, constant, 40/20 epochs."""
    _check_dataset(dataset)
    step = _multistep(cfg)
    lr = finetune_lr(cfg.optim_wrapper.optimizer.lr, step.get('gamma', 0.1), step['milestones'])
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.train_cfg.max_epochs = FINETUNE_EPOCHS[dataset]
    cfg.param_scheduler = []
    return cfg
