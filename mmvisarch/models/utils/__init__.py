from .arch import (check_input_size, freeze, min_input_size, normalize_out_indices, resolve_arch,
                   set_batchnorm_eval)
from .checkpoint import (init_from_pretrained, load_backbone_checkpoint,
                         load_checkpoint_file, unwrap_state_dict)

__all__ = ['resolve_arch', 'normalize_out_indices', 'freeze', 'set_batchnorm_eval', 'unwrap_state_dict',
           'load_checkpoint_file', 'load_backbone_checkpoint', 'init_from_pretrained', 'check_input_size', 'min_input_size']
