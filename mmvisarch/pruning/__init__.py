"""Pruning toolkit (dissertation ch. 3; Ghosh et al. 2022): width specs, channel
selection and removal, unstructured/FLOPs-targeted magnitude masks, budgets."""
from .budget import (apply_finetune_schedule, apply_scratch_schedule, finetune_lr,
                     scratch_schedule)
from .groups import ChannelGroup
from .spec import list_presets, load_spec, make_spec, validate_spec
from .structured import (L1_STRATEGIES, check_ratio, kept_ratio_by_stage, layer_ratios,
                         prune_state_dict, pruned_spec, select_l1, select_slimming)
from .unstructured import (apply_masks, flops_target_masks, magnitude_masks,
                           sparse_flops, sparsity_of)

__all__ = ['ChannelGroup', 'L1_STRATEGIES', 'load_spec', 'validate_spec', 'make_spec', 'list_presets',
           'check_ratio', 'layer_ratios', 'select_l1', 'select_slimming', 'prune_state_dict',
           'pruned_spec', 'kept_ratio_by_stage', 'magnitude_masks',
           'apply_masks', 'sparsity_of', 'sparse_flops', 'flops_target_masks',
           'scratch_schedule', 'finetune_lr', 'apply_scratch_schedule', 'apply_finetune_schedule']
