# ADP-C (EE + RH + CA) on HRNet-W18-Small-v2, Figure 2.3 (middle): threshold
# 0.998, RBF radius 7. The radius ablation (Table 2.3) changes adaptivity.radius:
#   tools/train.py <this> --cfg-options model.adaptivity.radius=3  (3 / 5 / 7 / 9)
_base_ = ['./ee-rh_hrnet-w18s_4xb3-120k_cityscapes-512x1024.py']

model = dict(adaptivity=dict(criterion='max_prob', threshold=0.998, radius=7, train=True,
                             test=True, sparse=True))
