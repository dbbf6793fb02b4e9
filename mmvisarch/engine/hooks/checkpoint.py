"""A checkpoint hook that never loses a run, and resumes it exactly.

mmengine's ``CheckpointHook`` deletes the oldest checkpoint *before* writing
the new one, writes in place, and names it in ``last_checkpoint`` before it
exists: a kill during the save can leave a truncated file and nothing to
resume from. :class:`SafeCheckpointHook` (a subclass, same arguments) orders
the steps so that at every instant an intact checkpoint is on disk:

1. write ``.NAME.part`` next to the final name, ``fsync`` it;
2. rename it onto ``NAME`` (atomic on a local file system), ``fsync`` the folder;
3. update ``last_checkpoint`` (itself written to a temporary file and renamed);
4. only then delete the checkpoints beyond ``max_keep_ckpts``.

``--resume`` without a path (``resume=True``, ``load_from=None``) takes the
newest *intact* checkpoint of the work dir: a truncated or damaged latest one
is skipped with a warning naming it.

Exact resume: the python, numpy and torch (CPU and CUDA) RNG states of every
rank are saved in the checkpoint and restored at the same point of the
resumed run, the point just before the next batch is drawn (for an
iteration-based loop after mmengine's data fast-forward, for an epoch-based
one before the next epoch's data loader iterator). The uninterrupted run
restores the saved states at that point too, so whatever runs between the
save and the next batch (validation) changes nothing. Data loader workers of
an epoch-based loop are started afresh each epoch with seeds derived from the
run's seed and the epoch (persistent workers would otherwise keep RNG states
the checkpoint cannot hold). With ``randomness=dict(seed=S)`` (and
``deterministic=True`` for the kernels) a resumed run reproduces the
uninterrupted one's losses exactly; an epoch-based loop must be resumed from
an end-of-epoch checkpoint (mmengine restarts a half-done epoch).

Loading: every checkpoint the runner loads (``load_from``, ``tools/test.py``,
resume) is compared with the model before it is applied. Parameters it does not
fill (missing or of another shape) are logged loudly by name; below
``min_load_match`` of the model's parameters the load is refused, and a resume
must fill them all.
"""
import functools
import os
import os.path as osp
import random
import re
from collections import deque
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from mmvisarch.registry import HOOKS
from mmvisarch.utils.io import atomic_write_text, fsync_path
from mmvisarch.utils.safe_load import checkpoint_damage, route_checkpoint

RNG_KEY = 'rng_state'
PART_SUFFIX = '.part'


# --- RNG states as plain data (they load with weights_only=True) -----------------------------

def get_rng_state() -> dict:
    """The python, numpy and torch (CPU, and CUDA where initialised) RNG states of this process."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = dict(python=random.getstate(),
                 numpy=dict(kind=kind, keys=torch.from_numpy(keys.astype(np.int64)), pos=int(pos),
                            has_gauss=int(has_gauss), gauss=float(gauss)),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`get_rng_state` returned."""
    version, internal, gauss_next = state['python']
    random.setstate((version, tuple(internal), gauss_next))
    n = state['numpy']
    np.random.set_state((n['kind'], n['keys'].numpy().astype(np.uint32), n['pos'],
                         n['has_gauss'], n['gauss']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _epoch_worker_init(worker_id: int, base_init=None, seed: int = 0, epoch: int = 0,
                       rank: int = 0, num_workers: int = 1) -> None:
    """Seed a data loader worker from (seed, epoch, rank, worker): same in a resumed run."""
    if base_init is not None:
        base_init(worker_id)
    worker_seed = int(np.random.SeedSequence([seed % 2**32, epoch, rank, worker_id])
                      .generate_state(1)[0])
    random.seed(worker_seed)
    np.random.seed(worker_seed)
    torch.manual_seed(worker_seed)


class _BoundaryIterator:
    """Wraps an iteration-based loop's data iterator: restores RNG states before a fetch.

    The first ``skip`` fetches (mmengine's fast-forward over the data of a
    resumed run) pass through untouched.
    """

    def __init__(self, inner, hook: 'SafeCheckpointHook', skip: int = 0) -> None:
        self.inner, self.hook, self.skip = inner, hook, skip

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip > 0:
            self.skip -= 1
        else:
            self.hook._apply_pending_rng()
        return next(self.inner)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _DeferredRemoval:
    """A file backend whose ``remove`` / ``rmtree`` wait until :meth:`flush`."""

    def __init__(self, backend) -> None:
        self._backend, self.paths = backend, []

    def remove(self, path) -> None:
        self.paths.append(path)

    def rmtree(self, path) -> None:
        self.paths.append(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def flush(self, keep=()) -> None:
        for path in self.paths:
            if path in keep:
                continue
            if self._backend.isfile(path):
                self._backend.remove(path)
            elif self._backend.isdir(path):
                self._backend.rmtree(path)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with kill-safe saving, exact resume and load checks.

    Takes every argument of ``CheckpointHook``, plus:

    Args:
        exact_resume: save and restore the RNG states and restart the workers
            of an epoch-based loop each epoch, see the module docstring.
            Defaults to True.
        min_load_match: a loaded checkpoint (``load_from``, ``tools/test.py``)
            filling fewer than this fraction of the model's parameters is
            refused; any shortfall above it is a warning naming the parameters.
            Defaults to 2/3.
        trust_checkpoint: load the checkpoint picked for an automatic resume
            with full unpickling (the ``--trust-checkpoint`` of ``tools/train.py``).
            Defaults to False.
    """

    def __init__(self, *args, exact_resume: bool = True, min_load_match: float = 2 / 3,
                 trust_checkpoint: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not 0 <= min_load_match <= 1:
            raise ValueError(f'SafeCheckpointHook min_load_match must be in [0, 1], '
                             f'got {min_load_match!r}.')
        self.exact_resume = exact_resume
        self.min_load_match = min_load_match
        self.trust_checkpoint = trust_checkpoint
        self._pending_rng: Optional[dict] = None
        self._rng_to_save: Optional[dict] = None

    # --- resume: pick the newest intact checkpoint ------------------------------------------

    def _checkpoint_dir(self, runner) -> str:
        out_dir = self.out_dir or runner.work_dir
        if out_dir != runner.work_dir:
            out_dir = osp.join(out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        return out_dir

    def resumable_checkpoints(self, runner) -> List[str]:
        """Checkpoints of this run, newest first: ``last_checkpoint``'s, then by step."""
        found = []
        folder = self._checkpoint_dir(runner)
        pattern = re.compile('^' + re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)') + '$')
        if osp.isdir(folder):
            steps = [(int(m.group(1)), name) for name in os.listdir(folder)
                     for m in [pattern.match(name)] if m]
            found = [osp.join(folder, name) for _, name in sorted(steps, reverse=True)]
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(last):
            with open(last) as f:
                named = f.read().strip()
            if named:
                found = [named] + [p for p in found if osp.abspath(p) != osp.abspath(named)]
        return found

    def find_resume_checkpoint(self, runner) -> Optional[str]:
        """The newest intact checkpoint; corrupted or missing ones are skipped with a warning."""
        for path in self.resumable_checkpoints(runner):
            if not osp.isfile(path):
                print_log(f'last_checkpoint names {path}, which does not exist; looking for an '
                          f'older checkpoint.', logger='current', level=30)
                continue
            damage = checkpoint_damage(path, full=True)
            if damage is None:
                return path
            print_log(f'Skipping the corrupted checkpoint {path} ({damage}); resuming from an '
                      f'older one.', logger='current', level=30)
        return None

    def before_run(self, runner) -> None:
        if getattr(runner, '_resume', False) and getattr(runner, '_load_from', None) is None:
            path = self.find_resume_checkpoint(runner)
            if path is None:
                print_log(f'No intact checkpoint to resume from in {self._checkpoint_dir(runner)}; '
                          f'training starts from the beginning.', logger='current', level=30)
            else:
                runner._load_from = route_checkpoint(path, trusted=self.trust_checkpoint)

    # --- loading: checks, and the RNG states of a resume -------------------------------------

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        resuming = bool(getattr(runner, '_resume', False))
        self._check_load(runner, checkpoint, resuming)
        if not resuming:
            return
        meta = checkpoint.get('meta', {})
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        if meta.get('seed') is not None and hasattr(sampler, 'seed'):
            sampler.seed = meta['seed']  # the resumed run's seed, as mmengine restores it
        saved = checkpoint.get(RNG_KEY)
        if not self.exact_resume or saved is None:
            if self.exact_resume:
                print_log('The checkpoint holds no RNG states (not written by SafeCheckpointHook); '
                          'the resumed run will not reproduce the uninterrupted one exactly.',
                          logger='current', level=30)
            return
        states = saved['ranks']
        if len(states) != get_world_size():
            print_log(f'The checkpoint holds the RNG states of {len(states)} processes, this run '
                      f'has {get_world_size()}; they are not restored.', logger='current', level=30)
            return
        self._pending_rng = states[get_rank()]
        loop = runner.train_loop
        if not isinstance(loop, IterBasedTrainLoop):
            per_epoch = len(runner.train_dataloader)
            if meta.get('iter', 0) != meta.get('epoch', 0) * per_epoch:
                print_log('Resuming an epoch-based loop from a checkpoint saved within an epoch: '
                          'mmengine restarts that epoch, so the run will not reproduce the '
                          'uninterrupted one exactly.', logger='current', level=30)

    def _check_load(self, runner, checkpoint: dict, resuming: bool) -> None:
        from mmvisarch.models.utils.checkpoint import summarize_keys
        state = checkpoint.get('state_dict', checkpoint)
        if not isinstance(state, dict):
            return
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        params = dict(model.named_parameters())
        if not params:
            return
        missing = [k for k in params if k not in state]
        shapes = [k for k in params if k in state and hasattr(state[k], 'shape')
                  and tuple(state[k].shape) != tuple(params[k].shape)]
        unfilled = missing + shapes
        if not unfilled:
            return
        matched = len(params) - len(unfilled)
        what = (f'the checkpoint fills {matched} of the model\'s {len(params)} parameters; '
                f'{len(missing)} are missing ({summarize_keys(missing) if missing else "none"}), '
                f'{len(shapes)} have another shape ({summarize_keys(shapes) if shapes else "none"})')
        if resuming:
            raise ValueError(f'Cannot resume: {what}. A resumed run needs the checkpoint of this '
                             f'very config.')
        if matched < self.min_load_match * len(params):
            raise ValueError(
                f'Refusing to load: {what}; fewer than {self.min_load_match:.0%} of the model. Is '
                f'it a checkpoint of another model or config? (SafeCheckpointHook '
                f'min_load_match={self.min_load_match:.3g} sets the threshold.)')
        print_log(f'PARTIAL LOAD: {what}. These keep their initial values.',
                  logger='current', level=30)

    # --- saving -----------------------------------------------------------------------------

    def _atomic_save(self, runner, save, out_dir: str, filename: str, **kwargs) -> None:
        """``runner.save_checkpoint`` into ``.NAME.part``, fsync, rename onto ``NAME``."""
        if not isinstance(self.file_backend, LocalBackend) or kwargs.get('file_client_args'):
            return save(out_dir, filename, **kwargs)
        part = f'.{filename}{PART_SUFFIX}'
        save(out_dir, part, **kwargs)
        if is_main_process():
            tmp, final = osp.join(out_dir, part), osp.join(out_dir, filename)
            fsync_path(tmp)
            os.replace(tmp, final)
            fsync_path(out_dir)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._rng_to_save is not None:
            checkpoint[RNG_KEY] = self._rng_to_save

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        filename = self.filename_tmpl.format(step)
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            ids = list(self.keep_ckpt_ids) + [step]
            stale = ids[:-self.max_keep_ckpts]
            # the checkpoint lists the old ones too: if a kill comes before they are deleted,
            # the resumed run deletes them (CheckpointHook.before_train)
            runner.message_hub.update_info('keep_ckpt_ids', ids)
            self.keep_ckpt_ids = deque(ids, self.max_keep_ckpts)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        if self.exact_resume:
            local = get_rng_state()
            self._pending_rng = local
            states = all_gather_object(local) if get_world_size() > 1 else [local]
            self._rng_to_save = dict(ranks=states)
        self._atomic_save(
            runner, runner.save_checkpoint, self.out_dir, filename,
            file_client_args=self.file_client_args, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
            backend_args=self.backend_args, **self.args)
        if self.max_keep_ckpts > 0:
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        if not is_main_process():
            return
        atomic_write_text(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
        for old in stale:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        # CheckpointHook's logic, with the best checkpoint written atomically and the
        # previous best deleted only after the new one is complete
        original_backend = self.file_backend
        original_save = runner.save_checkpoint
        deferred = _DeferredRemoval(original_backend)
        written = []

        def save(out_dir, filename, **kwargs):
            written.append(original_backend.join_path(out_dir, filename))
            self.file_backend = original_backend
            try:
                self._atomic_save(runner, original_save, out_dir, filename, **kwargs)
            finally:
                self.file_backend = deferred

        self.file_backend = deferred
        runner.save_checkpoint = save
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = original_backend
            del runner.save_checkpoint  # the instance attribute; the method is back
        if is_main_process():
            deferred.flush(keep=written)

    # --- the point where the RNG states are restored ----------------------------------------

    def _apply_pending_rng(self) -> None:
        if self._pending_rng is not None:
            set_rng_state(self._pending_rng)
            self._pending_rng = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.exact_resume and isinstance(runner.train_loop, IterBasedTrainLoop):
            loop = runner.train_loop
            if not isinstance(loop.dataloader_iterator, _BoundaryIterator):
                loop.dataloader_iterator = _BoundaryIterator(loop.dataloader_iterator, self,
                                                             skip=loop.iter)

    def before_train_epoch(self, runner) -> None:
        if not self.exact_resume or isinstance(runner.train_loop, IterBasedTrainLoop):
            return
        self._apply_pending_rng()
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) > 0:
            base = getattr(loader, 'worker_init_fn', None)
            base = base.keywords.get('base_init') if (
                isinstance(base, functools.partial) and base.func is _epoch_worker_init) else base
            loader.worker_init_fn = functools.partial(
                _epoch_worker_init, base_init=base, seed=int(runner.seed or 0),
                epoch=runner.epoch, rank=get_rank(), num_workers=loader.num_workers)
            iterator = getattr(loader, '_iterator', None)
            if iterator is not None:  # persistent workers: restart them with the epoch's seeds
                iterator._shutdown_workers()
                loader._iterator = None
