"""Export a classifier or backbone of any config to ONNX and check it with onnxruntime.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out MODEL.onnx
        [--deploy] [--shape H W] [--batch-size 1] [--part auto|classifier|backbone]
        [--opset 18] [--rtol 1e-4]

The model is built from CONFIG, loaded from CHECKPOINT (``none`` keeps the
initial weights, for trying the export), optionally re-parameterised
(``--deploy``: :func:`mmvisarch.models.deploy.switch_to_deploy`), exported with
``torch.onnx.export`` and run with onnxruntime on a random input; the tool fails
unless every output equals PyTorch's within ``--rtol`` (relative to the largest
magnitude of that output). ``--part classifier`` exports an mmpretrain
classifier's logits, ``backbone`` the backbone's feature maps (one ONNX output
per ``out_indices`` entry); ``auto`` picks the classifier where there is one.
The output file is never overwritten (written under a temporary name, checked,
then linked into place only if ``--out`` does not exist).

onnx and onnxruntime are optional dependencies (``requirements/deploy.txt``,
installed by ``make install``). mmdeploy would be the OpenMMLab tool, but its
releases pin older stacks.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import List, Tuple

import torch
from torch import nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import mmvisarch  # noqa: E402,F401  (registry scope)
from mmvisarch.utils import load_config  # noqa: E402


class _Classifier(nn.Module):
    """Image tensor -> logits of an mmpretrain ``ImageClassifier``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, mode='tensor')


class _Backbone(nn.Module):
    """Image tensor -> the backbone's feature maps (a tuple)."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        out = self.backbone(x)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export a model to ONNX and verify it.')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for the initial weights")
    parser.add_argument('--out', required=True, help='the .onnx file to write (must not exist)')
    parser.add_argument('--deploy', action='store_true', help='re-parameterise before export')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height and width (one value: a square). Defaults to 224.')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--part', choices=['auto', 'classifier', 'backbone'], default='auto')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--rtol', type=float, default=1e-4,
                        help='largest allowed |onnx - torch| / max|torch| per output')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE')
    args = parser.parse_args(argv)
    if len(args.shape) not in (1, 2) or min(args.shape) < 1:
        parser.error(f'--shape takes H W or one positive size, got {args.shape}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if not args.out.endswith('.onnx'):
        parser.error(f'--out should name a .onnx file, got {args.out!r}')
    if osp.exists(args.out):
        parser.error(f'--out {args.out} exists; refusing to overwrite it (choose another path).')
    return args


def _require_onnx():
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError as error:
        raise SystemExit(f'pytorch2onnx needs onnx and onnxruntime ({error}); install them with '
                         f'`make install` or `pip install -r requirements/deploy.txt`.')
    return onnxruntime


def build_export_module(cfg, checkpoint: str, part: str, deploy: bool) -> Tuple[nn.Module, str]:
    """The module to export (eval mode) and which part it is."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.runner import load_checkpoint
    from mmvisarch.analysis.complexity import build_model_from_config
    from mmvisarch.models.deploy import switch_to_deploy
    model = revert_sync_batchnorm(build_model_from_config(cfg))
    if checkpoint.lower() != 'none':
        if not osp.isfile(checkpoint) and '://' not in checkpoint:
            raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist.')
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.eval()
    is_classifier = hasattr(model, 'head') and hasattr(model, 'extract_feat') and \
        type(model).__name__.endswith('Classifier')
    if part == 'auto':
        part = 'classifier' if is_classifier else 'backbone'
    if part == 'classifier' and not is_classifier:
        raise ValueError(f'--part classifier: the config builds a {type(model).__name__}, not an '
                         f'image classifier; use --part backbone.')
    if part == 'backbone' and not hasattr(model, 'backbone'):
        raise ValueError(f'--part backbone: {type(model).__name__} has no `backbone`.')
    module = _Classifier(model) if part == 'classifier' else _Backbone(model.backbone)
    if deploy:
        switch_to_deploy(module)
    return module.eval(), part


def export(module: nn.Module, inputs: torch.Tensor, path: str, opset: int) -> List[str]:
    """Write ``module`` to ``path``; returns the output names."""
    with torch.no_grad():
        outputs = module(inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    names = ['output'] if len(outputs) == 1 else [f'out{i}' for i in range(len(outputs))]
    torch.onnx.export(module, (inputs,), path, input_names=['input'], output_names=names,
                      opset_version=opset, dynamo=True, external_data=False)
    return names


def verify(path: str, module: nn.Module, inputs: torch.Tensor, rtol: float) -> List[float]:
    """Relative max difference of each onnxruntime output from PyTorch's; raise above ``rtol``."""
    ort = _require_onnx()
    import onnx
    onnx.checker.check_model(path)
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(None, {session.get_inputs()[0].name: inputs.numpy()})
    with torch.no_grad():
        expected = module(inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    if len(got) != len(expected):
        raise AssertionError(f'onnxruntime gave {len(got)} outputs, PyTorch {len(expected)}.')
    diffs = []
    for i, (a, b) in enumerate(zip(got, expected)):
        a = torch.from_numpy(a)
        if a.shape != b.shape:
            raise AssertionError(f'output {i}: onnxruntime shape {tuple(a.shape)} != PyTorch '
                                 f'{tuple(b.shape)}.')
        diff = ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item()
        diffs.append(diff)
        if not diff <= rtol:
            raise AssertionError(f'output {i}: onnxruntime differs from PyTorch by {diff:.3g} '
                                 f'(relative to its largest value), above --rtol {rtol:g}.')
    return diffs


def main(argv=None) -> dict:
    args = parse_args(argv)
    _require_onnx()
    cfg = load_config(args.config, _parse_options(args.cfg_options))
    h, w = args.shape * 2 if len(args.shape) == 1 else args.shape
    module, part = build_export_module(cfg, args.checkpoint, args.part, args.deploy)
    inputs = torch.randn(args.batch_size, 3, h, w, generator=torch.Generator().manual_seed(0))
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.onnx', prefix='.tmp-', dir=folder)
    os.close(fd)
    try:
        names = export(module, inputs, tmp, args.opset)
        diffs = verify(tmp, module, inputs, args.rtol)
        os.link(tmp, args.out)  # fails (FileExistsError) rather than replace a file
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    for name, diff in zip(names, diffs):
        print(f'{name}: onnxruntime vs PyTorch max relative difference {diff:.2e}')
    print(f'Exported the {"deployed " if args.deploy else ""}{part} to {args.out} '
          f'(input {args.batch_size}x3x{h}x{w}, opset {args.opset}); checked with onnxruntime '
          f'within {args.rtol:g}.')
    return dict(out=args.out, part=part, outputs=names, rel_diffs=diffs)


def _parse_options(options: List[str]) -> dict:
    from mmengine.config import DictAction
    parsed = {}
    for item in options:
        if '=' not in item:
            raise ValueError(f'--cfg-options expects KEY=VALUE, got {item!r}.')
        key, value = item.split('=', 1)
        parsed[key] = DictAction._parse_iterable(value)
    return parsed


if __name__ == '__main__':
    main()
