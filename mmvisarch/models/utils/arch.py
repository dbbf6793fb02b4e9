"""Helpers every backbone shares: ``arch``, ``out_indices``, freezing and ``norm_eval``."""
from typing import Dict, Iterable, Sequence, Tuple, Union

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def resolve_arch(arch: Union[str, dict], arch_zoo: Dict[str, dict],
                 required_keys: Iterable[str], model_name: str) -> dict:
    """Return the arch settings for a zoo name or a user dict.

    Raises:
        ValueError: naming the valid arch names, or the missing keys of a dict.
    """
    if isinstance(arch, str):
        key = arch.lower()
        if key not in arch_zoo:
            raise ValueError(f'Unknown {model_name} arch {arch!r}; valid names are '
                             f'{sorted(arch_zoo)}, or a dict with keys {sorted(required_keys)}.')
        return dict(arch_zoo[key])
    if isinstance(arch, dict):
        missing = set(required_keys) - set(arch)
        if missing:
            raise ValueError(f'A custom {model_name} arch dict needs the keys '
                             f'{sorted(required_keys)}; missing {sorted(missing)}.')
        return dict(arch)
    raise TypeError(f'{model_name} arch must be a str or a dict, got {type(arch).__name__}.')


def normalize_out_indices(out_indices: Union[int, Sequence[int]], num_stages: int,
                          model_name: str) -> Tuple[int, ...]:
    """Turn ``out_indices`` (int or sequence, negatives allowed) into a sorted tuple.

    Raises:
        ValueError: when an index falls outside ``[-num_stages, num_stages)``.
    """
    indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
    if not indices:
        raise ValueError(f'{model_name} out_indices must not be empty.')
    normalized = []
    for index in indices:
        if not -num_stages <= index < num_stages:
            raise ValueError(f'{model_name} out_indices {tuple(indices)} has {index}, out of '
                             f'range: this model has {num_stages} stages, so valid indices are '
                             f'0..{num_stages - 1} or -{num_stages}..-1.')
        normalized.append(index % num_stages)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f'{model_name} out_indices {tuple(indices)} names a stage twice.')
    return tuple(sorted(normalized))


def freeze(modules: Iterable[nn.Module]) -> None:
    """The ``frozen_stages`` contract: eval mode and ``requires_grad=False``."""
    for module in modules:
        module.eval()
        for param in module.parameters():
            param.requires_grad = False


def set_batchnorm_eval(model: nn.Module) -> None:
    """The ``norm_eval`` contract: BatchNorm layers keep their running statistics."""
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.eval()


def min_input_size(module: nn.Module) -> int:
    """The smallest square input ``module`` runs on, from its unpadded convs and pools.

    A layer with kernel ``k`` and no padding needs ``k`` pixels at its input, i.e.
    ``k`` times the stride accumulated before it (modules are taken in their
    registration order, which is the order these backbones run them). For
    ConvNeXt / SLaK this is the total stride, 32; for the isotropic ConvNeXt 16.
    """
    cached = module.__dict__.get('_min_input_size')
    if cached is not None:
        return cached
    stride, needed = 1, 1
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            k, s, p = (v if isinstance(v, int) else v[0]
                       for v in (m.kernel_size, m.stride, m.padding))
            if p == 0 and k > 1:
                needed = max(needed, k * stride)
            stride *= s
    module.__dict__['_min_input_size'] = needed
    return needed


def check_input_size(module: nn.Module, x, model_name: str) -> None:
    """Raise a ``ValueError`` naming the model's minimum input size when ``x`` is smaller."""
    need = min_input_size(module)
    h, w = x.shape[-2:]
    if h < need or w < need:
        raise ValueError(f'{model_name} needs inputs of at least {need}x{need} pixels (its '
                         f'downsampling layers reduce the image {need}x); got {h}x{w}. '
                         f'Resize or pad the input.')
