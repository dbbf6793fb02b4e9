"""DynamicSparsityHook in an mmengine Runner: masks hold, move, persist and resume."""
import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.model import BaseDataPreprocessor, BaseModel
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


def test_masks_hold_after_steps_and_move_at_updates(tmp_path):
    runner = make_runner(str(tmp_path), 7)  # accumulation: see the test further down
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
    (dict(sparsity=1.0), r'\[0, 1\)'), (dict(init='grasp'), 'init'),
    (dict(update_interval=-1), 'update_interval'), (dict(prune_rate=1.5), 'prune_rate')])
def test_bad_hook_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DynamicSparsityHook(**copy.deepcopy(kwargs))


# --- whole training steps against the reference's Masking.step / ModelEma.update ------------

def _probe(record):
    """A LOWEST-priority hook recording, after every iteration, the model's and the EMA's
    weights and masks (i.e. what a checkpoint of that iteration holds)."""
    from mmengine.hooks import Hook

    class Probe(Hook):
        priority = 'LOWEST'

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            ema = [h.ema_model.module for h in runner.hooks if hasattr(h, 'ema_model')]
            optim = runner.optim_wrapper.optimizer
            record[runner.iter + 1] = dict(
                weights={n: m.weight.detach().clone()
                         for n, m in masked_modules(runner.model).items()},
                masks=masks_of(runner.model),
                ema={n: m.weight.detach().clone() for n, m in masked_modules(ema[0]).items()}
                if ema else {},
                ema_masks=masks_of(ema[0]) if ema else {},
                momentum={n: optim.state[m.weight]['momentum_buffer'].clone()
                          for n, m in masked_modules(runner.model).items()
                          if 'momentum_buffer' in optim.state.get(m.weight, {})},
                rate=runner.message_hub.get_scalar('train/prune_rate').current()
                if 'train/prune_rate' in runner.message_hub.log_scalars else None)
    return Probe()


def _ema_runner(work_dir, max_iters, momentum=0.2, **optim):
    torch.manual_seed(0)
    return Runner(
        model=ToyNet(), work_dir=work_dir,
        train_dataloader=dict(dataset=ToyData(), sampler=dict(type='DefaultSampler', shuffle=True),
                              batch_size=8, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.05), **optim),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=1000),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=3, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='EMAHook', momentum=momentum, priority='ABOVE_NORMAL'),
                      dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.5,
                           update_interval=3, prune_rate=0.3)],
        randomness=dict(seed=0), default_scope='mmengine')


def test_update_step_regrows_zeros_and_checkpoints_hold_current_masks(tmp_path):
    record = {}
    runner = _ema_runner(str(tmp_path), 4)
    runner.register_hook(_probe(record))
    runner.train()
    before, after, nxt = record[2], record[3], record[4]
    grown_any = False
    for name in after['masks']:
        grown = after['masks'][name] & ~before['masks'][name]
        grown_any |= bool(grown.any())
        # the reference applies the mask before pruning: regrown weights start at exactly 0
        assert (after['weights'][name][grown] == 0).all(), name
        assert torch.equal(after['ema_masks'][name], after['masks'][name]), 'EMA masks current'
        # the reference's ModelEma.update(model, mask) with decay d = 1 - momentum
        d, ema, model, mask = 0.8, after['ema'][name], nxt['weights'][name], nxt['masks'][name]
        fresh = ((ema != 0) ^ mask) & mask
        expected = (ema * d + model * (1 - d)) * mask + fresh * d * model
        torch.testing.assert_close(nxt['ema'][name], expected, rtol=1e-6, atol=1e-7)
    assert grown_any
    saved = torch.load(osp.join(str(tmp_path), 'iter_3.pth'), map_location='cpu',
                       weights_only=False)
    for key in ('state_dict', 'ema_state_dict'):
        state = saved[key]
        masks = [k for k in state if k.endswith(MASK_NAME)]
        assert len(masks) == 3, key
        for mask_key in masks:
            weight = state[mask_key.replace(MASK_NAME, 'weight')]
            assert (weight[~state[mask_key]] == 0).all(), f'{key}: {mask_key} stale'
            layer = mask_key[len('module.'):] if mask_key.startswith('module.') else mask_key
            assert torch.equal(state[mask_key], after['masks'][layer.split('.')[0]])


def test_accumulation_updates_only_on_optimizer_steps_at_the_interval(tmp_path):
    from mmvisarch.sparsity import cosine_prune_rate
    record = {}
    runner = make_runner(str(tmp_path), 20, hook=dict(
        type='mmvisarch.DynamicSparsityHook', sparsity=0.5, update_interval=2, prune_rate=0.3),
        accumulative_counts=4)
    runner.register_hook(_probe(record))
    runner.train()
    changed = [i for i in range(2, 21)
               if any(not torch.equal(record[i]['masks'][n], record[i - 1]['masks'][n])
                      for n in record[i]['masks'])]
    assert changed == [8, 16], 'every 2 optimizer steps of 4 iterations each'
    # the reference's CosineDecay over the 5 optimizer steps, read after step 2 and step 4
    assert record[8]['rate'] == pytest.approx(cosine_prune_rate(0.3, 2, 5, 0.005))
    assert record[16]['rate'] == pytest.approx(cosine_prune_rate(0.3, 4, 5, 0.005))


def test_sgd_momentum_is_zero_at_masked_positions(tmp_path):
    record = {}
    runner = make_runner(str(tmp_path), 4)
    runner.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
    runner.register_hook(_probe(record))
    runner.train()
    for step in (2, 3, 4):
        for name, buffer in record[step]['momentum'].items():
            mask = record[step]['masks'][name]
            assert buffer is not None and (buffer[~mask] == 0).all() and buffer[mask].any()


class BNNet(BaseModel):
    """The network of tests/data/slak/snip_fixture.pth (same parameter names)."""

    def __init__(self, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 5, padding=2, groups=16)
        self.fc = nn.Linear(16, 3)

    def forward(self, inputs, label=None, mode='tensor'):
        logits = self.fc(self.dw(self.bn(self.conv(inputs)).relu()).mean((2, 3)))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, label, label_smoothing=0.3))
        return logits


class MixingPreprocessor(BaseDataPreprocessor):
    """Mixes the batch in training mode (a stand-in for Mixup/CutMix batch augments)."""

    def forward(self, data, training=False):
        data = super().forward(data, training)
        if training:
            data['inputs'] = 0.5 * (data['inputs'] + data['inputs'].flip(0))
        return data


class FixtureData(Dataset):
    def __init__(self, fixture):
        self.inputs, self.labels = fixture['inputs'], fixture['labels']

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        return dict(inputs=self.inputs[index], label=self.labels[index])


@pytest.mark.parametrize('sparsity', [0.4, 0.8])
def test_snip_densities_equal_the_reference_on_a_fixture_batch(tmp_path, sparsity):
    fixture = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'slak',
                                  'snip_fixture.pth'), map_location='cpu', weights_only=True)
    model = BNNet(data_preprocessor=MixingPreprocessor())
    model.load_state_dict(fixture['state_dict'])
    bn_before = model.bn.running_mean.clone()
    runner = Runner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(dataset=FixtureData(fixture), batch_size=8,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        train_cfg=dict(by_epoch=False, max_iters=1, val_interval=1000),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[dict(type='mmvisarch.DynamicSparsityHook', sparsity=sparsity,
                           update_interval=None, dense_threshold=1.0)],
        default_scope='mmengine')
    hook = next(h for h in runner.hooks if isinstance(h, DynamicSparsityHook))
    runner.call_hook('before_run')
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    hook.before_train(runner)
    expected = fixture['densities'][sparsity]
    assert set(hook.init_densities) == set(expected)
    for name, density in expected.items():
        assert hook.init_densities[name] == pytest.approx(density, abs=1e-6), name
    assert torch.equal(model.bn.running_mean, bn_before), 'SNIP ran on a copy'


def test_erk_densities_follow_the_reference_rule():
    from mmvisarch.sparsity.dynamic import erk_densities
    shapes = {'stem': torch.Size([4, 3, 3, 3]), 'dw': torch.Size([64, 1, 7, 7]),
              'fc': torch.Size([100, 64])}
    densities = erk_densities(shapes, 0.5)
    numel = {n: math.prod(s) for n, s in shapes.items()}
    assert densities['stem'] == 1.0, 'sum/prod largest: made dense'
    kept = sum(densities[n] * numel[n] for n in shapes)
    assert kept == pytest.approx(0.5 * sum(numel.values()))
    ratio = densities['dw'] / densities['fc']
    assert ratio == pytest.approx((sum(shapes['dw']) / numel['dw'])
                                  / (sum(shapes['fc']) / numel['fc']))


def test_bernoulli_regrowth_varies_around_the_count_and_momentum_growth_takes_the_largest():
    from mmvisarch.sparsity import prune_and_grow, set_mask
    counts = []
    for seed in range(20):
        layer = nn.Linear(20, 20)
        mask = torch.zeros(400, dtype=torch.bool)
        mask[:200] = True
        set_mask(layer, mask.view(20, 20))
        before = layer.weight_mask.clone()
        removed = prune_and_grow(layer, 0.3, torch.Generator().manual_seed(seed),
                                 draw='bernoulli')
        counts.append(int(layer.weight_mask.sum()) - int(before.sum()) + removed)
    assert removed == 60 and len(set(counts)) > 1
    assert abs(sum(counts) / len(counts) - 60) < 6
    layer = nn.Linear(10, 10)
    mask = torch.zeros(100, dtype=torch.bool)
    mask[:50] = True
    set_mask(layer, mask.view(10, 10))
    score = torch.arange(100, dtype=torch.float).view(10, 10)
    prune_and_grow(layer, 0.2, torch.Generator(), growth='momentum', growth_score=score)
    assert layer.weight_mask.flatten()[90:].all(), 'the 10 inactive positions of largest score'


@pytest.mark.parametrize('kwargs, match', [
    (dict(sparsity=-0.1), 'sparsity'), (dict(sparsity='0.4'), 'sparsity'),
    (dict(init='magnitude'), 'init'), (dict(update_interval=1.5), 'update_interval'),
    (dict(update_interval=True), 'update_interval'), (dict(prune_rate=-0.1), 'prune_rate'),
    (dict(prune_rate=1), r'prune_rate must be a number in \[0, 1\)'),
    (dict(min_prune_rate=5), r'min_prune_rate must be a number in \[0, 1\)'),
    (dict(min_prune_rate=-1), 'min_prune_rate'),
    (dict(dense_threshold=-1), r'dense_threshold must be a number in \(0, 1\]'),
    (dict(dense_threshold=0), 'dense_threshold'), (dict(dense_threshold=1.5), 'dense_threshold'),
    (dict(prune='SET'), 'prune'), (dict(growth='gradient'), 'growth'),
    (dict(draw='poisson'), 'draw'), (dict(snip_loss='mse'), 'snip_loss'),
    (dict(seed=1.5), 'seed'), (dict(targets=3), 'targets'), (dict(prefix=''), 'prefix')])
def test_every_option_out_of_range_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DynamicSparsityHook(**kwargs)


@pytest.mark.parametrize('hook, match', [
    (dict(targets='nothing_here'), "targets='nothing_here' matches no module"),
    (dict(prefix='backbone'), "prefix='backbone' names no module")])
def test_targets_or_prefix_matching_nothing_fail_clearly(tmp_path, hook, match):
    runner = make_runner(str(tmp_path), 1, hook=dict(type='mmvisarch.DynamicSparsityHook',
                                                     **hook))
    with pytest.raises(ValueError, match=match):
        runner.train()


def test_refuses_to_run_after_the_ema_hook(tmp_path):
    runner = make_runner(str(tmp_path), 1, hook=dict(type='mmvisarch.DynamicSparsityHook',
                                                     priority='LOW'))
    runner.register_hook(dict(type='EMAHook', momentum=0.1, priority='ABOVE_NORMAL'))
    with pytest.raises(ValueError, match='must run before EMAHook'):
        runner.train()
