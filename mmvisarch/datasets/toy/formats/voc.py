"""PASCAL VOC 2007 layout in ``voc_toy/VOC2007/``: JPEGImages, Annotations (XML)
and ImageSets/Main/{trainval,test}.txt, as mmdet's VOCDataset reads it. The
shapes are named after three VOC classes so the real 20-class metainfo applies."""
import os
import os.path as osp
from xml.etree import ElementTree as ET

from .. import register_generator, render_scene
from ._io import save_image, split_rng

VOC_NAMES = ('car', 'person', 'dog')  # square, circle, triangle
SPLITS = dict(trainval=80, test=24)
IMAGE_SIZE = (128, 160)


def _annotation_xml(name: str, instances, height: int, width: int) -> bytes:
    root = ET.Element('annotation')
    ET.SubElement(root, 'folder').text = 'VOC2007'
    ET.SubElement(root, 'filename').text = name + '.jpg'
    size = ET.SubElement(root, 'size')
    for tag, value in (('width', width), ('height', height), ('depth', 3)):
        ET.SubElement(size, tag).text = str(value)
    for inst in instances:
        obj = ET.SubElement(root, 'object')
        ET.SubElement(obj, 'name').text = VOC_NAMES[inst.label]
        ET.SubElement(obj, 'pose').text = 'Unspecified'
        ET.SubElement(obj, 'truncated').text = '0'
        ET.SubElement(obj, 'difficult').text = '0'
        box = ET.SubElement(obj, 'bndbox')
        x, y, w, h = inst.bbox
        # VOC boxes are 1-based and inclusive
        for tag, value in (('xmin', x + 1), ('ymin', y + 1), ('xmax', x + w), ('ymax', y + h)):
            ET.SubElement(box, tag).text = str(int(value))
    return ET.tostring(root)


@register_generator('voc')
def make_voc(root: str, seed: int = 0) -> str:
    folder = osp.join(root, 'voc_toy')
    base = osp.join(folder, 'VOC2007')
    os.makedirs(osp.join(base, 'Annotations'), exist_ok=True)
    os.makedirs(osp.join(base, 'ImageSets', 'Main'), exist_ok=True)
    index = 0
    for split, count in SPLITS.items():
        rng = split_rng(seed, 'voc', split)
        names = []
        for _ in range(count):
            index += 1
            name = f'{index:06d}'
            image, instances = render_scene(rng, *IMAGE_SIZE, num_classes=len(VOC_NAMES))
            save_image(image, osp.join(base, 'JPEGImages', name + '.jpg'))
            with open(osp.join(base, 'Annotations', name + '.xml'), 'wb') as f:
                f.write(_annotation_xml(name, instances, *IMAGE_SIZE))
            names.append(name)
        with open(osp.join(base, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    return folder
