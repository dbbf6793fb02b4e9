# ADP-C (EE + RH + CA), Table 2.5: confidence threshold 99.5%.
_base_ = ['./ee-rh_hrnet-w48_4xb4-80k_pascal-context-59-480x480.py']

model = dict(adaptivity=dict(criterion='max_prob', threshold=0.995, radius=7, train=True,
                             test=True, sparse=True))
