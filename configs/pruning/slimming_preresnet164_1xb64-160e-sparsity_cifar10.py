# Network Slimming (Table 3.4), step 1: CIFAR-10 PreResNet-164 trained with the L1 penalty 1e-5
# on BN scales. Then prune 40% or 60% of the (block-inner) channels:
#   python tools/pruning/prune_structured.py THIS_CONFIG CKPT --method slimming --ratio 0.4 --out DIR
# The reference also selects each block's input channels (channel_selection); the width spec
# prunes the inner convs only (see README.md).
_base_ = ['./l1-norm_resnet56_1xb64-160e_cifar10.py']
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
model = dict(backbone=dict(arch='cifar_preresnet164'), head=dict(in_channels=256))
custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-5, module_prefix='backbone.')]
