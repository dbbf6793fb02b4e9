"""Synthetic scenes of coloured shapes: the images behind every toy dataset.

Each class is a shape with its own hue range (square, circle, triangle, ...), so
a model can learn the classes from a few hundred tiny images. Shapes are
polygons, which makes the COCO polygon annotations exact: the mask of an
instance is the rasterised polygon, drawn with the same call as the image.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

SHAPE_CLASSES: Tuple[str, ...] = ('square', 'circle', 'triangle', 'diamond', 'hexagon')
# One base colour per class (RGB), jittered per instance.
CLASS_COLOURS = np.array([[220, 40, 40], [40, 200, 40], [40, 70, 230], [230, 200, 30],
                          [200, 50, 220]], dtype=np.int64)


@dataclass
class Instance:
    label: int                 # index into the class list
    polygon: List[float]       # x0, y0, x1, y1, ... in pixels
    mask: np.ndarray           # (H, W) bool
    bbox: Tuple[float, float, float, float]  # x, y, w, h
    occluded: bool = False     # a later shape covers part of the polygon


def _shape_polygon(label: int, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    sides = {0: 4, 1: 20, 2: 3, 3: 4, 4: 6}[label % 5]
    offset = {0: np.pi / 4, 3: 0.0}.get(label % 5, angle)
    theta = offset + np.arange(sides) * 2 * np.pi / sides
    return np.stack([cx + r * np.cos(theta), cy + r * np.sin(theta)], axis=1)


def render_scene(rng: np.random.Generator, height: int, width: int, num_classes: int = 3,
                 max_objects: int = 3, min_size: float = 0.2,
                 max_size: float = 0.45) -> Tuple[np.ndarray, List[Instance]]:
    """Draw a noisy background and 1..``max_objects`` shapes.

    ``min_size``/``max_size`` bound a shape's diameter as a fraction of the
    shorter image side.

    Returns:
        The image ``(H, W, 3)`` uint8 and its instances, later ones on top
        (their masks are cut out of the earlier ones).
    """
    background = rng.integers(90, 150, size=3)
    image = np.clip(background + rng.normal(0, 12, size=(height, width, 3)), 0, 255)
    canvas = Image.fromarray(image.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    instances: List[Instance] = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        label = int(rng.integers(num_classes))
        r = rng.uniform(min_size, max_size) * min(height, width) / 2
        cx, cy = rng.uniform(r, width - r), rng.uniform(r, height - r)
        points = _shape_polygon(label, cx, cy, r, rng.uniform(0, 2 * np.pi))
        colour = np.clip(CLASS_COLOURS[label % len(CLASS_COLOURS)] + rng.integers(-25, 26, 3), 0, 255)
        flat = [float(round(v, 2)) for v in points.reshape(-1)]
        draw.polygon(flat, fill=tuple(int(c) for c in colour))
        mask_img = Image.new('L', (width, height), 0)
        ImageDraw.Draw(mask_img).polygon(flat, fill=1)
        mask = np.asarray(mask_img, dtype=bool)
        for previous in instances:
            if (previous.mask & mask).any():
                previous.mask &= ~mask
                previous.occluded = True
        instances.append(Instance(label, flat, mask, (0., 0., 0., 0.)))
    kept = []
    for inst in instances:
        ys, xs = np.nonzero(inst.mask)
        if len(xs) < 16:  # hidden behind later shapes
            continue
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        inst.bbox = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        kept.append(inst)
    return np.asarray(canvas), kept


def semantic_map(instances: Sequence[Instance], height: int, width: int,
                 background: int = 0, offset: int = 1) -> np.ndarray:
    """Per-pixel label map: ``background`` or ``label + offset``."""
    seg = np.full((height, width), background, dtype=np.uint8)
    for inst in instances:
        seg[inst.mask] = inst.label + offset
    return seg
