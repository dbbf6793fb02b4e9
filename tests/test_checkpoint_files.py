"""Checkpoint files: corrupted ones are called corrupted, plain-mmengine ones are described with
the explicit opt-in, no message suggests allow-listing a callable; outputs get 0644."""
import os
import stat

import pytest
import torch


def _plain_mmengine_checkpoint(path):
    """A checkpoint as plain mmengine writes it: HistoryBuffer pickled with `getattr` calls."""
    import copyreg

    from mmengine.logging import HistoryBuffer, MessageHub
    import mmvisarch  # noqa: F401
    hub = MessageHub.get_instance('plain_mmengine_ckpt')
    hub.update_scalar('train/loss', 0.5)
    ours = copyreg.dispatch_table.pop(HistoryBuffer)  # mmengine's own pickling
    try:
        torch.save(dict(state_dict={'w': torch.ones(2)}, message_hub=hub.state_dict()), path)
    finally:
        copyreg.dispatch_table[HistoryBuffer] = ours
    return str(path)


def _assert_no_allow_list_advice(message):
    assert 'add_safe_globals' not in message and 'allowlist' not in message.lower()


def test_plain_mmengine_checkpoint_is_described_with_the_opt_in(tmp_path):
    from mmvisarch.utils import UntrustedCheckpointError, load_checkpoint_safely
    path = _plain_mmengine_checkpoint(tmp_path / 'plain.pth')
    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_safely(path)
    message = str(info.value)
    assert 'written by mmengine without mmvisarch' in message and '--trust-checkpoint' in message
    assert 'not damaged' in message
    _assert_no_allow_list_advice(message)
    assert load_checkpoint_safely(path, trusted=True)['state_dict']['w'].sum() == 2


@pytest.mark.parametrize('cut', ['empty', 'half', 'tail'])
def test_truncated_checkpoint_is_called_corrupted_never_untrusted(tmp_path, cut):
    from mmvisarch.pruning.io import read_checkpoint
    from mmvisarch.utils import CorruptedCheckpointError, load_checkpoint_safely
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.randn(64, 64)}}, good)
    data = good.read_bytes()
    bad = tmp_path / 'bad.pth'
    bad.write_bytes({'empty': b'', 'half': data[:len(data) // 2], 'tail': data[:-30]}[cut])
    for load in (lambda: load_checkpoint_safely(str(bad)),
                 lambda: read_checkpoint(str(bad))):  # the pruning tools' loader
        with pytest.raises(CorruptedCheckpointError) as info:
            load()
        message = str(info.value)
        assert 'is corrupted' in message and 'bad.pth' in message
        assert 'trust' not in message.lower() and 'weights_only=False' not in message
        _assert_no_allow_list_advice(message)


def test_corrupted_record_is_found_by_its_crc(tmp_path):
    from mmvisarch.utils.safe_load import checkpoint_damage
    path = tmp_path / 'flip.pth'
    torch.save({'w': torch.zeros(4096)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the tensor record
    path.write_bytes(bytes(data))
    assert 'CRC' in checkpoint_damage(str(path))


def test_backbone_loader_reports_corruption(tmp_path):
    from mmvisarch.models.utils import load_checkpoint_file
    from mmvisarch.utils import CorruptedCheckpointError
    path = tmp_path / 'cut.pth'
    torch.save({'w': torch.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptedCheckpointError, match='corrupted'):
        load_checkpoint_file(str(path))


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    from mmvisarch.utils import atomic_write_text
    old = os.umask(0o022)
    try:
        path = str(tmp_path / 'out.txt')
        atomic_write_text('x', path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        os.chmod(path, 0o600)  # an existing file keeps its mode
        atomic_write_text('y', path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        os.umask(old)
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_dump_results_refuses_to_overwrite(tmp_path):
    import pickle

    from mmvisarch.evaluation import AtomicDumpResults
    out = tmp_path / 'results.pkl'
    out.write_bytes(b'keep me')
    with pytest.raises(FileExistsError, match='--force'):
        AtomicDumpResults(str(out))
    metric = AtomicDumpResults(str(out), overwrite=True)
    metric.compute_metrics([{'a': 1}])
    assert pickle.loads(out.read_bytes()) == [{'a': 1}]
    assert stat.S_IMODE(os.stat(out).st_mode) & 0o044  # readable by others as usual


def test_partial_backbone_init_is_an_error_naming_the_blocks(tmp_path):
    from mmvisarch.models.backbones.convnext import ConvNeXt
    shallow = dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32])
    deep = dict(depths=[1, 1, 4, 1], channels=[8, 16, 24, 32])
    path = str(tmp_path / 'shallow.pth')
    torch.save({'state_dict': ConvNeXt(arch=shallow, out_indices=(3, )).state_dict()}, path)
    model = ConvNeXt(arch=deep, init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(ValueError, match=r'random init: stages\.2\.1, stages\.2\.2, stages\.2\.3'):
        model.init_weights()
    # the documented exception: the output norms a classification checkpoint lacks
    ok = ConvNeXt(arch=shallow, init_cfg=dict(type='Pretrained', checkpoint=path))
    ok.init_weights()
    # an explicit allow-list lets the missing blocks start from their init
    allowed = ConvNeXt(arch=deep, init_cfg=dict(type='Pretrained', checkpoint=path,
                                                allow_missing=['stages.2.[123].*', 'norm*']))
    allowed.init_weights()
