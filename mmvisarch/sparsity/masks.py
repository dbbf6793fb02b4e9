"""Sparsity masks as model state (SLaK, Liu et al., ICLR 2023, Sec. 4 and Appendix B).

A sparse weight ``w`` carries a boolean buffer ``weight_mask`` on the module
that owns it, so masks are saved in every checkpoint, restored on resume and
loaded with the model for fine-tuning or testing. The reference
(https://github.com/VITA-Group/SLaK, ``sparse_core.py``) keeps masks in a
plain dict that checkpoints do not hold and rebuilds them from zero weights.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional

import torch
from torch import nn

MASK_NAME = 'weight_mask'
#: the decomposed / naive large kernels (the reference's ``--only-L``)
LARGE_KERNEL_PATTERN = r'(^|\.)large_kernel\.(LoRA1|LoRA2|lkb_origin)\.conv$'
TARGET_PRESETS = {'all': None, 'large_kernel': LARGE_KERNEL_PATTERN}


def sparse_candidates(model: nn.Module, targets: str = 'all',
                      prefix: Optional[str] = None) -> Dict[str, nn.Module]:
    """Modules whose ``weight`` may be sparse, by name.

    Args:
        model: the model.
        targets: ``'all'`` (every module with a 2-D or 4-D ``weight``
            parameter, as the reference: linear layers, stem, downsampling and
            depthwise convs), ``'large_kernel'`` (only SLaK's large kernels),
            or a regular expression matched against module names.
        prefix: only modules under this name (e.g. ``'backbone'``).
            Defaults to None (the whole model).
    """
    pattern = TARGET_PRESETS.get(targets, targets)
    if targets not in TARGET_PRESETS:
        try:
            re.compile(targets)
        except (re.error, TypeError) as err:
            raise ValueError(f'sparsity targets must be one of {sorted(TARGET_PRESETS)} or a '
                             f'regular expression over module names, got {targets!r}.') from err
    found = OrderedDict()
    for name, module in model.named_modules():
        if prefix and not (name == prefix or name.startswith(prefix + '.')):
            continue
        weight = getattr(module, 'weight', None)
        if not isinstance(weight, nn.Parameter) or weight.ndim not in (2, 4):
            continue
        if pattern is not None and not re.search(pattern, name):
            continue
        found[name] = module
    return found


def masked_modules(model: nn.Module) -> Dict[str, nn.Module]:
    """Modules that carry a ``weight_mask`` buffer, by name."""
    return OrderedDict((n, m) for n, m in model.named_modules()
                       if isinstance(getattr(m, MASK_NAME, None), torch.Tensor))


def set_mask(module: nn.Module, mask: torch.Tensor) -> None:
    """Give ``module`` the mask (registering the buffer the first time) and apply it."""
    mask = mask.to(device=module.weight.device, dtype=torch.bool)
    if mask.shape != module.weight.shape:
        raise ValueError(f'mask of shape {tuple(mask.shape)} does not fit a weight of shape '
                         f'{tuple(module.weight.shape)}.')
    if MASK_NAME in module._buffers:
        module._buffers[MASK_NAME].copy_(mask)
    else:
        module.register_buffer(MASK_NAME, mask.clone())
    with torch.no_grad():
        module.weight.mul_(mask)


@torch.no_grad()
def apply_masks(model: nn.Module, optimizers=()) -> None:
    """Zero every masked-out weight (after each optimizer step, Appendix B) and, as the
    reference's ``Masking.apply_mask``, the SGD ``momentum_buffer`` of masked-out
    positions in ``optimizers`` (other optimizer state, e.g. Adam's moments, is
    left as it is, as in the reference)."""
    for module in masked_modules(model).values():
        mask = getattr(module, MASK_NAME)
        module.weight.mul_(mask)
        for optimizer in optimizers:
            buffer = optimizer.state.get(module.weight, {}).get('momentum_buffer')
            if isinstance(buffer, torch.Tensor):
                buffer.mul_(mask)


def masks_from_zeros(modules: Dict[str, nn.Module], dense_threshold: float = 0.99
                     ) -> Dict[str, torch.Tensor]:
    """Masks of the exact zeros of loaded weights (a sparse checkpoint without masks).

    Layers with a density of at least ``dense_threshold`` are left dense, as
    the reference leaves them unmasked.
    """
    masks = OrderedDict()
    for name, module in modules.items():
        mask = module.weight.detach() != 0
        if mask.float().mean().item() < dense_threshold:
            masks[name] = mask
    return masks


def enable_mask_loading(module: nn.Module) -> None:
    """Let ``module.load_state_dict`` create the mask buffers a checkpoint holds.

    Without this, a checkpoint's ``*.weight_mask`` entries would be unexpected
    keys for a freshly built (dense) model and silently dropped.
    """
    if getattr(module, '_mask_loading_enabled', False):
        return

    def _pre_hook(root, state_dict, prefix, *args, **kwargs):
        suffix = '.' + MASK_NAME
        for key, value in state_dict.items():
            if not (key.startswith(prefix) and key.endswith(suffix)):
                continue
            owner = key[len(prefix):-len(suffix)]
            try:
                target = root.get_submodule(owner)
            except AttributeError:
                continue
            weight = getattr(target, 'weight', None)
            if (isinstance(weight, torch.Tensor) and MASK_NAME not in target._buffers
                    and tuple(value.shape) == tuple(weight.shape)):
                target.register_buffer(MASK_NAME, torch.ones_like(weight, dtype=torch.bool))

    module.register_load_state_dict_pre_hook(_pre_hook)
    module._mask_loading_enabled = True


def sparsity_stats(model: nn.Module) -> Dict[str, float]:
    """Overall sparsity of the masked weights, how many layers carry a mask and how many
    of those are sparse (an all-ones mask is a dense layer)."""
    total = kept = sparse_layers = 0
    masked = masked_modules(model)
    for module in masked.values():
        mask = getattr(module, MASK_NAME)
        total += mask.numel()
        nonzero = int(mask.sum())
        kept += nonzero
        sparse_layers += nonzero < mask.numel()
    return dict(sparsity=1 - kept / total if total else 0.0, masked_layers=len(masked),
                sparse_layers=sparse_layers, masked_weights=total)
