"""Smoke check run at the end of ``make install``.

pip caches the mmcv wheel it built and reuses it even after torch changed, so
importing mmcv is not enough: this runs real compiled ops and fails loudly.
"""
import os
import sys

import torch


def main() -> int:
    import mmcv
    from mmcv.ops import nms, roi_align

    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    _, keep = nms(boxes, scores, iou_threshold=0.5)
    if keep.tolist() != [0, 2]:
        print(f'mmcv nms returned {keep.tolist()}, expected [0, 2]', file=sys.stderr)
        return 1
    feat = torch.arange(16.).view(1, 1, 4, 4)
    rois = torch.tensor([[0., 0., 0., 4., 4.]])
    out = roi_align(feat, rois, (1, 1), 1.0, 1, 'avg', True)
    if not torch.allclose(out.flatten(), feat.mean().view(1), atol=1e-4):
        print(f'mmcv roi_align returned {out.flatten().tolist()}, expected {feat.mean():.2f}',
              file=sys.stderr)
        return 1
    import mmdet, mmseg, mmpretrain, mmpose  # noqa: F401,E401
    import mmpose.models  # noqa: F401  (fails under numpy 2 with a binary xtcocotools)
    import mmvisarch
    from mmvisarch import ops
    if not ops.AVAILABLE and os.environ.get('MMVISARCH_WITH_OPS', '1') != '0':
        print('mmvisarch._ext (the CPU kernels of mmvisarch/csrc) did not build or import; '
              'rebuild with `pip install --no-build-isolation -e .` and read its compiler '
              'errors, or set MMVISARCH_WITH_OPS=0 to use the PyTorch fallback',
              file=sys.stderr)
        return 1
    print(f'install ok: torch {torch.__version__}, mmcv {mmcv.__version__}, '
          f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, '
          f'mmpretrain {mmpretrain.__version__}, mmpose {mmpose.__version__}, '
          f'mmvisarch {mmvisarch.__version__} (compiled kernels: {ops.AVAILABLE})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
