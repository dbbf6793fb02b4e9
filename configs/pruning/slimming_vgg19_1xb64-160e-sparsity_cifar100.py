# Network Slimming (Table 3.4), CIFAR-100 VGG-19 with the BN L1 penalty (prune ratio 50%).
_base_ = ['./slimming_vgg19_1xb64-160e-sparsity_cifar10.py']
data_preprocessor = dict(num_classes=100, mean=[129.304, 124.070, 112.434],
                         std=[68.170, 65.392, 70.418])
model = dict(head=dict(num_classes=100))
train_dataloader = dict(dataset=dict(type='CIFAR100', data_root='data/cifar100'))
val_dataloader = dict(dataset=dict(type='CIFAR100', data_root='data/cifar100'))
test_dataloader = val_dataloader
