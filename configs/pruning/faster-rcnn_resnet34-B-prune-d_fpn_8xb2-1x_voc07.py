# Table 3.12, ResNet-34-B Prune-D: train faster-rcnn_resnet34_fpn_8xb2-1x_voc07.py, prune its
# backbone on detection, then fine-tune the pruned detector (this config):
#   python tools/pruning/prune_structured.py \
#       configs/pruning/faster-rcnn_resnet34_fpn_8xb2-1x_voc07.py \
#       DET_CKPT --method l1 --preset resnet34-B --out work_dirs/faster-rcnn_resnet34-B-prune-d
_base_ = ['./faster-rcnn_resnet34_fpn_8xb2-1x_voc07.py']
model = dict(backbone=dict(spec='resnet34-B', init_cfg=None))
load_from = 'work_dirs/faster-rcnn_resnet34-B-prune-d/pruned.pth'
