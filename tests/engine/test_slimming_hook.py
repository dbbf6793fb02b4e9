"""BNSlimmingHook adds lambda * sign(gamma) to the BN-scale gradients inside
mmengine's OptimWrapper.update_params (backward -> step), also with accumulation."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmvisarch.engine.hooks import BNSlimmingHook


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6))
        self.head = nn.Sequential(nn.Conv2d(6, 2, 1), nn.BatchNorm2d(2))
        with torch.no_grad():
            self.backbone[1].weight.uniform_(-1, 1)

    def forward(self, x):
        return self.head(self.backbone(x)).pow(2).mean()


def step(with_hook, coefficient=1e-2, counts=1, lr=0.1):
    net = Net()
    wrapper = OptimWrapper(torch.optim.SGD(net.parameters(), lr=lr), accumulative_counts=counts)
    hook = BNSlimmingHook(coefficient, module_prefix='backbone.')
    if with_hook:
        hook.before_train(SimpleNamespace(model=net, optim_wrapper=wrapper))
    torch.manual_seed(1)
    for _ in range(counts):
        wrapper.update_params(net(torch.randn(2, 3, 8, 8)))
    hook.after_train(None)
    return net


@pytest.mark.parametrize('counts', [1, 2])
def test_penalty_subgradient_in_update(counts):
    coefficient, lr = 1e-2, 0.1
    gamma0 = Net().backbone[1].weight.detach().clone()
    plain, slim = step(False, counts=counts), step(True, coefficient, counts, lr)
    delta = slim.backbone[1].weight - plain.backbone[1].weight
    # one update with lambda * sign(gamma) in the gradient; accumulation does not multiply it
    torch.testing.assert_close(delta, -lr * coefficient * torch.sign(gamma0))
    # the head's BN is outside module_prefix: untouched
    torch.testing.assert_close(slim.head[1].weight, plain.head[1].weight)


def test_hook_is_removed_after_training_and_validates():
    net = Net()
    hook = BNSlimmingHook(1e-2)
    assert hook.register(net) == 2
    (net(torch.randn(1, 3, 8, 8)) * 0).backward()  # zero loss: the gradient is the penalty
    torch.testing.assert_close(net.backbone[1].weight.grad,
                               1e-2 * torch.sign(net.backbone[1].weight.detach()))
    hook.after_train(None)
    net.zero_grad()
    (net(torch.randn(1, 3, 8, 8)) * 0).backward()
    assert net.backbone[1].weight.grad.abs().sum() == 0
    with pytest.raises(ValueError, match='no BN layer'):
        BNSlimmingHook(1e-4, module_prefix='nothing.').register(net)
    with pytest.raises(ValueError, match='coefficient'):
        BNSlimmingHook(-1.)
