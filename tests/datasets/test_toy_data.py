"""The toy datasets are deterministic and readable by the hosts' own dataset classes."""
import filecmp
import os.path as osp

import numpy as np
import pytest

from mmvisarch.datasets.toy import GENERATORS


def test_generators_are_deterministic(tmp_path):
    a, b = GENERATORS['coco'](str(tmp_path / 'a'), 0), GENERATORS['coco'](str(tmp_path / 'b'), 0)
    ann = osp.join('annotations', 'instances_val2017.json')
    assert filecmp.cmp(osp.join(a, ann), osp.join(b, ann), shallow=False)
    c = GENERATORS['coco'](str(tmp_path / 'c'), 1)
    assert not filecmp.cmp(osp.join(a, ann), osp.join(c, ann), shallow=False)


def test_coco_masks_agree_with_area_and_bbox(toy_data_root):
    from pycocotools.coco import COCO
    coco = COCO(osp.join(toy_data_root, 'coco_toy', 'annotations', 'instances_val2017.json'))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == ['square', 'circle', 'triangle']
    kinds = set()
    for ann in coco.loadAnns(coco.getAnnIds()):
        kinds.add(type(ann['segmentation']).__name__)
        mask = coco.annToMask(ann)
        ys, xs = np.nonzero(mask)
        x, y, w, h = ann['bbox']
        # pycocotools' polygon rasteriser differs from PIL's by about the perimeter
        assert abs(mask.sum() - ann['area']) <= 0.1 * ann['area'] + 2 * (w + h)
        assert x - 1 <= xs.min() and xs.max() < x + w + 1
        assert y - 1 <= ys.min() and ys.max() < y + h + 1
    assert kinds == {'list', 'dict'}  # polygons and RLE both occur


def test_mmdet_reads_toy_coco_and_voc(toy_data_root):
    from mmdet.datasets import CocoDataset, VOCDataset
    coco = CocoDataset(data_root=osp.join(toy_data_root, 'coco_toy'),
                       ann_file='annotations/instances_train2017.json',
                       data_prefix=dict(img='train2017/'), test_mode=True,
                       metainfo=dict(classes=('square', 'circle', 'triangle')))
    assert len(coco) == 160 and coco[0]['instances']
    voc = VOCDataset(data_root=osp.join(toy_data_root, 'voc_toy'),
                     ann_file='VOC2007/ImageSets/Main/test.txt',
                     data_prefix=dict(sub_data_root='VOC2007/'), test_mode=True)
    labels = {i['bbox_label'] for k in range(len(voc)) for i in voc.get_data_info(k)['instances']}
    classes = voc.metainfo['classes']
    assert {classes[i] for i in labels} == {'car', 'person', 'dog'}


@pytest.mark.parametrize('dataset, split, expected_labels', [
    ('ADE20KDataset', ('ade_toy', 'images/validation', 'annotations/validation'), {0, 41, 119, 43}),
    ('CityscapesDataset', ('cityscapes_toy', 'leftImg8bit/val', 'gtFine/val'), {0, 13, 11, 7}),
])
def test_mmseg_reads_toy_ade20k_and_cityscapes(toy_data_root, dataset, split, expected_labels):
    import mmseg.datasets
    from mmcv.transforms import LoadImageFromFile
    from mmseg.datasets.transforms import LoadAnnotations
    folder, img, seg = split
    ds = getattr(mmseg.datasets, dataset)(
        data_root=osp.join(toy_data_root, folder), data_prefix=dict(img_path=img, seg_map_path=seg),
        pipeline=[LoadImageFromFile(),
                  LoadAnnotations(reduce_zero_label=dataset == 'ADE20KDataset')],
        test_mode=True)
    seen = set()
    for k in range(len(ds)):
        seen |= set(np.unique(ds[k]['gt_seg_map']).tolist())
    assert seen - {255} == expected_labels
