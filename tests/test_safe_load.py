"""Checkpoints written by mmengine load under torch's weights_only=True, code never runs."""
import pickle

import numpy as np
import pytest
import torch


def test_mmengine_meta_types_load_with_weights_only(tmp_path):
    import mmvisarch  # noqa: F401  (registers the allow-list)
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('safe_load_test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_info('iter', 7)
    ckpt = dict(meta=dict(epoch=1, iter=7, seed=np.int64(3), message_hub=hub.state_dict(),
                          arr=np.arange(4, dtype=np.float32)),
                state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.375)
    assert loaded['meta']['seed'] == 3
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(4))


def test_allow_list_holds_no_callable_that_reaches_arbitrary_code():
    from mmvisarch.utils.safe_load import safe_checkpoint_types
    assert getattr not in safe_checkpoint_types() and eval not in safe_checkpoint_types()


class _Exploit:
    def __reduce__(self):
        return (print, ('this must never run',))


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path):
    import mmvisarch  # noqa: F401
    path = tmp_path / 'evil.pth'
    torch.save({'meta': _Exploit()}, path)
    with pytest.raises(pickle.UnpicklingError, match='print|builtins'):
        torch.load(path, weights_only=True)
