"""MPII Human Pose layout in ``mpii_toy/`` (mmpose ``MpiiDataset`` json format).

``images/<9-digit id>.jpg`` with one stick figure each; ``annotations/mpii_{train,val}.json``
(lists of ``image``, ``center``, ``scale`` (person height / 200), ``joints``
(16 x [x, y]) and ``joints_vis``) and ``annotations/mpii_gt_val.mat``
(``headboxes_src``, shape (2, 2, N): [[x1, y1], [x2, y2]] per person) that
``MpiiPCKAccuracy`` needs for PCKh. Joint order of MPII: r-ankle, r-knee,
r-hip, l-hip, l-knee, l-ankle, pelvis, thorax, upper-neck, head-top,
r-wrist, r-elbow, r-shoulder, l-shoulder, l-elbow, l-wrist.
"""
import os
import os.path as osp

import numpy as np
from PIL import Image, ImageDraw

from mmvisarch.utils import atomic_write
from .. import register_generator
from ._io import save_json, split_rng

SPLITS = dict(train=48, val=16)
IMAGE_SIZE = 128
# A standing person in a unit box (x right, y down), MPII joint order.
TEMPLATE = np.array([
    [0.40, 0.98], [0.42, 0.78], [0.43, 0.56], [0.57, 0.56], [0.58, 0.78], [0.60, 0.98],
    [0.50, 0.56], [0.50, 0.26], [0.50, 0.20], [0.50, 0.02], [0.22, 0.50], [0.30, 0.38],
    [0.38, 0.26], [0.62, 0.26], [0.70, 0.38], [0.78, 0.50]], dtype=np.float64)
LIMBS = [(0, 1), (1, 2), (2, 6), (3, 6), (3, 4), (4, 5), (6, 7), (7, 8), (8, 9), (10, 11),
         (11, 12), (12, 7), (13, 7), (13, 14), (14, 15)]
COLOURS = [(230, 60, 60), (60, 200, 60), (60, 90, 230), (230, 200, 40)]


def _person(rng: np.random.Generator) -> np.ndarray:
    height = rng.uniform(0.55, 0.8) * IMAGE_SIZE
    joints = TEMPLATE + rng.normal(0, 0.03, TEMPLATE.shape)
    joints[[10, 11, 14, 15], 1] += rng.uniform(-0.25, 0.1, 4)  # arm poses vary most
    centre = rng.uniform(0.4, 0.6, 2) * IMAGE_SIZE
    return (joints - 0.5) * [height * 0.6, height] + centre


def _draw(rng: np.random.Generator, joints: np.ndarray) -> np.ndarray:
    background = rng.integers(0, 80, 3)
    image = Image.new('RGB', (IMAGE_SIZE, IMAGE_SIZE), tuple(int(v) for v in background))
    draw = ImageDraw.Draw(image)
    for k, (a, b) in enumerate(LIMBS):
        draw.line([tuple(joints[a]), tuple(joints[b])], fill=COLOURS[k % 4], width=3)
    for x, y in joints:
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(255, 255, 255))
    hx, hy = joints[9] * 0.6 + joints[8] * 0.4
    draw.ellipse([hx - 5, hy - 6, hx + 5, hy + 6], outline=(250, 220, 180), width=2)
    return np.asarray(image)


@register_generator('mpii')
def make_mpii(root: str, seed: int = 0) -> str:
    import scipy.io  # a dependency of mmpose
    folder = osp.join(root, 'mpii_toy')
    os.makedirs(osp.join(folder, 'images'), exist_ok=True)
    headboxes = []
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'mpii', split)
        anns = []
        for index in range(count):
            joints = _person(rng)
            # MpiiDataset reads the image id from the (numeric) file name
            name = f'{index + (0 if split == "train" else 500000):09d}.jpg'
            Image.fromarray(_draw(rng, joints)).save(osp.join(folder, 'images', name), quality=95)
            visible = np.ones(16, dtype=np.int64)
            top, bottom = joints[:, 1].min(), joints[:, 1].max()
            anns.append(dict(image=name,
                             center=[float(joints[:, 0].mean()), float((top + bottom) / 2)],
                             scale=float((bottom - top) / 200.0),
                             joints=joints.round(2).tolist(),
                             joints_vis=visible.tolist()))
            if split == 'val':
                head = np.stack([joints[9], joints[8]])
                size = max(np.linalg.norm(head[0] - head[1]), 4.0)
                mid = head.mean(0)
                headboxes.append([mid - size / 2, mid + size / 2])
        save_json(anns, osp.join(folder, 'annotations', f'mpii_{split}.json'))
    # (N, 2, 2) -> (2, 2, N) as in the official mpii_gt_val.mat
    boxes = np.transpose(np.asarray(headboxes, dtype=np.float64), [1, 2, 0])
    atomic_write(osp.join(folder, 'annotations', 'mpii_gt_val.mat'),
                 lambda tmp: scipy.io.savemat(tmp, dict(headboxes_src=boxes), appendmat=False))
    return folder
