# Network Slimming (Table 3.4), step 1: train CIFAR-10 VGG-19 with the L1 penalty
# 1e-4 on BN scales. Then prune 70% of the channels:
#   python tools/pruning/prune_structured.py THIS_CONFIG CKPT --method slimming --ratio 0.7 --out DIR
# and train DIR/config.py (fine-tune) or use tools/pruning/scratch_budget.py for Scratch-E/B.
_base_ = ['./l1-norm_vgg16_1xb64-160e_cifar10.py']
model = dict(backbone=dict(arch='vgg19'))
custom_imports = dict(imports=['mmvisarch.models', 'mmvisarch.engine'], allow_failed_imports=False)
custom_hooks = [dict(type='mmvisarch.BNSlimmingHook', coefficient=1e-4, module_prefix='backbone.')]
