"""A tiny mmengine run for tests/engine/test_safe_checkpoint.py (run as a subprocess).

    python safe_checkpoint_run.py WORK_DIR {epoch,iter} MAX [--resume [CKPT]] [--kill-at N]
                                  [--hook TYPE] [--workers N]

Every source of randomness the real runs have is here: augmentation in the data
workers (python, numpy and torch RNGs), a shuffling sampler, dropout in the model
and validation between checkpoints. The loss of every iteration is appended to
WORK_DIR/losses.jsonl. ``--kill-at N`` makes the N-th checkpoint write of the run
(mmengine's ``LocalBackend.put``) write half of its bytes and then ``os._exit``
the process: a kill inside the checkpoint write, at a deterministic point.
"""
import argparse
import json
import os
import os.path as osp
import random
import sys

import numpy as np
import torch
from torch import nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)


class ToyData(torch.utils.data.Dataset):
    def __init__(self, n: int = 24) -> None:
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 6, generator=g)
        self.y = (self.x.sum(1) > 0).long()

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        noise = torch.randn(6) * 0.1 + float(np.random.rand()) * 0.1 + random.random() * 0.1
        return dict(inputs=self.x[i] + noise, label=self.y[i])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('loop', choices=['epoch', 'iter'])
    parser.add_argument('max', type=int)
    parser.add_argument('--resume', nargs='?', const='auto')
    parser.add_argument('--kill-at', type=int)
    parser.add_argument('--hook', default='mmvisarch.SafeCheckpointHook')
    parser.add_argument('--workers', type=int, default=0)
    parser.add_argument('--max-keep', type=int, default=1)
    args = parser.parse_args()

    import mmvisarch  # noqa: F401
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.evaluator import BaseMetric
    from mmengine.runner import Runner

    class ToyModel(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))

        def forward(self, inputs, label, mode='tensor'):
            logits = self.net(inputs)
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, label))
            return [dict(pred=logits.argmax(1), label=label)]

    class Acc(BaseMetric):
        def process(self, data_batch, data_samples):
            for s in data_samples:
                self.results.append(float((s['pred'] == s['label']).float().mean()))

        def compute_metrics(self, results):
            return dict(acc=sum(results) / len(results))

    class RecordLoss(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            with open(osp.join(runner.work_dir, 'losses.jsonl'), 'a') as f:
                f.write(json.dumps([runner.iter + 1, float(outputs['loss'])]) + '\n')

    if args.kill_at:
        # mmengine serialises a checkpoint in memory, then LocalBackend.put writes the bytes
        from mmengine.fileio import LocalBackend
        original, calls = LocalBackend.put, [0]

        def put(self, obj, filepath):
            calls[0] += 1
            if calls[0] < args.kill_at:
                return original(self, obj, filepath)
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
                os.fsync(f.fileno())
            os._exit(137)
        LocalBackend.put = put

    sampler = 'DefaultSampler' if args.loop == 'epoch' else 'InfiniteSampler'
    loader = dict(dataset=ToyData(), sampler=dict(type=sampler, shuffle=True), batch_size=4,
                  num_workers=args.workers, persistent_workers=args.workers > 0,
                  collate_fn=dict(type='default_collate'))
    by_epoch = args.loop == 'epoch'
    train_cfg = dict(by_epoch=True, max_epochs=args.max, val_interval=1) if by_epoch else \
        dict(by_epoch=False, max_iters=args.max, val_interval=2)
    resume = args.resume is not None
    load_from = None if args.resume in (None, 'auto') else args.resume
    runner = Runner(
        model=dict(type=ToyModel), work_dir=args.work_dir, train_dataloader=loader,
        val_dataloader=dict(dataset=ToyData(8), sampler=dict(type='DefaultSampler', shuffle=False),
                            batch_size=4, num_workers=0, collate_fn=dict(type='default_collate')),
        val_evaluator=dict(type=Acc), val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=train_cfg,
        default_hooks=dict(checkpoint=dict(type=args.hook, interval=2 if not by_epoch else 1,
                                           by_epoch=by_epoch, max_keep_ckpts=args.max_keep),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type=RecordLoss)],
        randomness=dict(seed=3, deterministic=True), resume=resume, load_from=load_from,
        log_processor=dict(by_epoch=by_epoch))
    runner.train()


if __name__ == '__main__':
    main()
