# ADP-C (EE + RH + CA), Table 2.1: confidence adaptivity with max softmax
# probability >= 0.998 (Eq. 2.2), RBF interpolation radius 7 (Eq. 2.5-2.6),
# used in training and inference. Set adaptivity.train=False for the
# inference-only variant of Table 2.4; criterion 'entropy' / 'topk' / 'random'
# give the masking criteria of Figure 2.5 (right).
_base_ = ['./ee-rh_hrnet-w48_4xb3-120k_cityscapes-512x1024.py']

model = dict(adaptivity=dict(criterion='max_prob', threshold=0.998, radius=7, train=True,
                             test=True, sparse=True))
