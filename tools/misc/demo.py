"""`make demo`: train and evaluate the toy Mask R-CNN + ConvNeXt on the toy COCO data.

Writes the toy data if needed, trains through tools/train.py, evaluates the
final checkpoint through tools/test.py, and prints where the log and the
checkpoint are.
"""
import glob
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/convnext/toy/mask-rcnn_convnext-toy_fpn-ms-crop_coco-toy.py'


def run(*args: str) -> None:
    print('+', ' '.join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def main() -> int:
    work_dir = osp.join('work_dirs', 'demo_mask-rcnn_convnext-toy')
    run('tools/dataset_converters/make_toy_data.py', '--out', 'data', '--only', 'coco')
    run('tools/train.py', CONFIG, '--work-dir', work_dir)
    checkpoints = sorted(glob.glob(osp.join(ROOT, work_dir, 'epoch_*.pth')), key=osp.getmtime)
    run('tools/test.py', CONFIG, checkpoints[-1], '--work-dir', work_dir)
    logs = sorted(glob.glob(osp.join(ROOT, work_dir, '*', '*.log')), key=osp.getmtime)
    print('\nDemo finished.')
    print(f'  checkpoint: {osp.relpath(checkpoints[-1], ROOT)}')
    print(f'  train log:  {osp.relpath(logs[0], ROOT) if logs else work_dir}')
    print(f'  test log:   {osp.relpath(logs[-1], ROOT) if logs else work_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
