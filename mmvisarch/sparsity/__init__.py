"""Sparse training in plain PyTorch (SLaK's dynamic sparsity); the hook drives it."""
from .dynamic import (check_sparsity, cosine_prune_rate, init_random_masks, prune_and_grow,
                      random_mask, snip_densities)
from .masks import (MASK_NAME, apply_masks, enable_mask_loading, masked_modules,
                    masks_from_zeros, set_mask, sparse_candidates, sparsity_stats)

__all__ = ['MASK_NAME', 'apply_masks', 'check_sparsity', 'cosine_prune_rate',
           'enable_mask_loading', 'init_random_masks', 'masked_modules', 'masks_from_zeros',
           'prune_and_grow', 'random_mask', 'set_mask', 'snip_densities', 'sparse_candidates',
           'sparsity_stats']
