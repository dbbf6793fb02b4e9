"""``--resume`` from an official SLaK training checkpoint (the reference's ``utils.save_model``:
``{'model', 'optimizer', 'epoch', 'scaler', 'args', 'model_ema'}``) continues it through
mmengine's Runner: iteration and epoch, AdamW state by parameter name, lr schedule, prune rate
and masks from the zeros of the weights."""
import argparse
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.optim import CosineAnnealingLR, LinearLR
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmvisarch.engine.hooks import DynamicSparsityHook
from mmvisarch.sparsity import cosine_prune_rate

DATA = osp.join(osp.dirname(__file__), '..', 'data', 'slak')
TINY = dict(depths=[1, 1, 2, 1], channels=[10, 20, 31, 41], kernel_sizes=[13, 11, 9, 7],
            small_kernel=3)


class Images(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        from mmpretrain.structures import DataSample
        g = torch.Generator().manual_seed(index)
        return dict(inputs=torch.randint(0, 255, (3, 32, 32), generator=g, dtype=torch.uint8),
                    data_samples=DataSample().set_gt_label(index % 10))


def official_training_checkpoint(path):
    """The official state with 40% zeros in every 2-D/4-D weight but the head, and an AdamW
    state laid out as the reference's ``get_parameter_groups`` (named_parameters order, a
    'decay' group of the weights with more than one dimension, then 'no_decay')."""
    model = torch.load(osp.join(DATA, 'slak_tiny_decomposed_official.pth'),
                       map_location='cpu', weights_only=True)['model']
    g = torch.Generator().manual_seed(0)
    for key, value in model.items():
        if value.ndim in (2, 4) and not key.startswith('head.'):
            value.mul_(torch.rand(value.shape, generator=g) >= 0.4)
    params = [k for k, v in model.items() if v.is_floating_point()
              and not k.endswith(('running_mean', 'running_var'))]
    decay = [k for k in params if model[k].ndim > 1 and not k.endswith('.bias')]
    no_decay = [k for k in params if k not in decay]
    order = decay + no_decay
    state = {i: dict(step=torch.tensor(8.0), exp_avg=torch.randn(model[k].shape, generator=g),
                     exp_avg_sq=torch.rand(model[k].shape, generator=g))
             for i, k in enumerate(order)}
    common = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, amsgrad=False, lr_scale=1.0)
    optimizer = dict(state=state, param_groups=[
        dict(params=list(range(len(decay))), weight_decay=0.05, **common),
        dict(params=list(range(len(decay), len(order))), weight_decay=0.0, **common)])
    torch.save(dict(model=model, model_ema={k: v.clone() for k, v in model.items()},
                    optimizer=optimizer, epoch=0, scaler={},
                    args=argparse.Namespace(layer_decay=1.0, update_freq=1)), path)
    return model, order, state


SCHEDULE = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4),
            dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=4, end=16)]


def test_official_training_checkpoint_resumes(tmp_path):
    path = str(tmp_path / 'checkpoint-0.pth')
    official, order, state = official_training_checkpoint(path)
    seen = {}

    class Probe(Hook):
        priority = 'LOWEST'

        def before_train(self, runner):
            model = runner.model
            optimizer = runner.optim_wrapper.optimizer
            hook = next(h for h in runner.hooks if isinstance(h, DynamicSparsityHook))
            name = 'stages.0.0.large_kernel.LoRA1.conv.weight'
            param = model.get_submodule('backbone.' + name[:-len('.weight')]).weight
            seen.update(iter=runner.iter, epoch=runner.epoch,
                        lr=optimizer.param_groups[0]['lr'],
                        exp_avg=optimizer.state[param]['exp_avg'].clone(),
                        expected_exp_avg=state[order.index(name)]['exp_avg'],
                        mask=model.get_submodule(
                            'backbone.' + name[:-len('.weight')]).weight_mask.clone(),
                        zeros=official[name] == 0, rate=hook.current_prune_rate(runner))

    runner = Runner(
        model=dict(type='mmpretrain.ImageClassifier',
                   backbone=dict(type='mmvisarch.SLaK', arch=TINY, out_indices=(3, ),
                                 gap_before_final_norm=True, layer_scale_init_value=1.0),
                   head=dict(type='mmpretrain.LinearClsHead', num_classes=10, in_channels=41),
                   data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=10,
                                          mean=[128.0] * 3, std=[64.0] * 3)),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=Images(), batch_size=2,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
                           paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0)),
        param_scheduler=SCHEDULE,
        train_cfg=dict(by_epoch=True, max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
                      dict(type='mmvisarch.DynamicSparsityHook', sparsity=0.4,
                           update_interval=2, prune_rate=0.5)],
        load_from=path, resume=True, default_scope='mmpretrain')
    runner.register_hook(Probe())
    runner.train()
    assert seen['iter'] == 4 and seen['epoch'] == 1, '1 epoch of 4 iterations done'
    torch.testing.assert_close(seen['exp_avg'], seen['expected_exp_avg'])
    assert torch.equal(seen['mask'], ~seen['zeros']), 'masks from the zeros'
    assert seen['rate'] == pytest.approx(cosine_prune_rate(0.5, 5, 8, 0.005))
    # the lr an uninterrupted run has at iteration 4
    dummy = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    schedulers = [LinearLR(dummy, start_factor=0.1, by_epoch=False, begin=0, end=4),
                  CosineAnnealingLR(dummy, eta_min=1e-5, by_epoch=False, begin=4, end=16)]
    for _ in range(4):
        for scheduler in schedulers:
            scheduler.step()
    assert seen['lr'] == pytest.approx(dummy.param_groups[0]['lr'])
    assert runner.iter == 8


def test_layer_decay_checkpoints_are_refused(tmp_path):
    hook = DynamicSparsityHook()
    checkpoint = dict(model={}, optimizer={}, epoch=3, args=argparse.Namespace(layer_decay=0.8))
    with pytest.raises(ValueError, match='layer_decay'):
        hook.after_load_checkpoint(None, checkpoint)
    with pytest.raises(ValueError, match='best'):
        hook.after_load_checkpoint(None, dict(model={}, optimizer={}, epoch='best'))
