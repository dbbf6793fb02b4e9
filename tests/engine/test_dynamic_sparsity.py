"""DynamicSparsityHook in an mmengine Runner: masks hold, move, persist and resume."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

from mmvisarch.engine.hooks import DynamicSparsityHook
from mmvisarch.sparsity import MASK_NAME, masked_modules, sparsity_stats


class ToyData(Dataset):
    def __len__(self):
        return 64

    def __getitem__(self, index):
        g = torch.Generator().manual_seed(index)
        return dict(inputs=torch.randn(3, 8, 8, generator=g), label=index % 3)


class ToyNet(BaseModel):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.dw = nn.Conv2d(16, 16, 5, padding=2, groups=16)
        self.fc = nn.Linear(16, 3)

    def forward(self, inputs, label=None, mode='tensor'):
        logits = self.fc(self.dw(self.conv(inputs).relu()).mean((2, 3)))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, label))
        return logits


def make_runner(work_dir, max_iters, resume=False, hook=None, **optim):
    torch.manual_seed(0)
    hook = hook or dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.5, update_interval=3,
                        prune_rate=0.3)
    return Runner(
        model=ToyNet(), work_dir=work_dir,
        train_dataloader=dict(dataset=ToyData(), sampler=dict(type='DefaultSampler', shuffle=True),
                              batch_size=8, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.05), **optim),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=1000),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=4, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[hook], resume=resume, randomness=dict(seed=0), default_scope='mmengine')


def masks_of(model):
    return {n: getattr(m, MASK_NAME).clone() for n, m in masked_modules(model).items()}


@pytest.mark.parametrize('optim', [dict(), dict(accumulative_counts=2)],
                         ids=['plain', 'grad-accumulation'])  # AmpOptimWrapper needs a GPU
def test_masks_hold_after_steps_and_move_at_updates(tmp_path, optim):
    runner = make_runner(str(tmp_path), 7, **optim)
    seen = {}

    class Probe(DynamicSparsityHook.__mro__[1]):  # a plain mmengine Hook
        priority = 'LOWEST'

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            model = runner.model
            for name, module in masked_modules(model).items():
                mask = getattr(module, MASK_NAME)
                assert (module.weight[~mask] == 0).all(), f'{name} has weights outside its mask'
            seen[runner.iter + 1] = masks_of(model)

    runner.register_hook(Probe())
    runner.train()
    assert set(seen[1]) == {'conv', 'dw', 'fc'}
    stats = sparsity_stats(runner.model)
    assert stats['sparsity'] == pytest.approx(0.5, abs=0.01)
    for name in seen[1]:
        assert torch.equal(seen[1][name], seen[2][name]), 'masks fixed between updates'
        assert int(seen[3][name].sum()) == int(seen[2][name].sum()), 'density kept'
    assert any(not torch.equal(seen[2][n], seen[3][n]) for n in seen[2]), 'update at iter 3'


def test_resume_restores_masks_and_keeps_layer_densities(tmp_path):
    full_dir, part_dir = str(tmp_path / 'full'), str(tmp_path / 'part')
    full = make_runner(full_dir, 8)
    full.train()
    part = make_runner(part_dir, 4)  # "killed" after the checkpoint of iter 4
    part.train()
    saved = torch.load(osp.join(part_dir, 'iter_4.pth'), map_location='cpu', weights_only=False)
    assert {k for k in saved['state_dict'] if k.endswith(MASK_NAME)} == \
        {'conv.weight_mask', 'dw.weight_mask', 'fc.weight_mask'}
    masks_at_4 = masks_of(part.model)
    resumed = make_runner(part_dir, 8, resume=True)
    resumed.call_hook('before_run')  # what train() does before loading
    resumed.load_or_resume()
    for name, mask in masks_at_4.items():
        assert torch.equal(getattr(resumed.model.get_submodule(name), MASK_NAME), mask)
    resumed = make_runner(part_dir, 8, resume=True)
    resumed.train()
    assert resumed.iter == 8
    # the data order after resuming differs, so masks may differ; layer densities may not
    for name, mask in masks_of(full.model).items():
        assert int(getattr(resumed.model.get_submodule(name), MASK_NAME).sum()) == int(mask.sum())
    assert sparsity_stats(resumed.model)['sparsity'] == pytest.approx(0.5, abs=0.01)


def test_fixed_masks_from_zeros_of_loaded_weights(tmp_path):
    runner = make_runner(str(tmp_path), 2, hook=dict(
        type='mmvisarch.DynamicSparsityHook', update_interval=None, targets='dw'))
    with torch.no_grad():
        runner.model.dw.weight[::2] = 0  # a sparse "official" checkpoint without masks
    zeros = runner.model.dw.weight == 0
    runner.train()
    assert set(masked_modules(runner.model)) == {'dw'}
    assert torch.equal(runner.model.dw.weight_mask, ~zeros)


@pytest.mark.parametrize('kwargs, match', [
    (dict(sparsity=1.0), r'\[0, 1\)'), (dict(init='erk'), 'init'),
    (dict(update_interval=-1), 'update_interval'), (dict(prune_rate=1.5), 'prune_rate')])
def test_bad_hook_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DynamicSparsityHook(**copy.deepcopy(kwargs))
