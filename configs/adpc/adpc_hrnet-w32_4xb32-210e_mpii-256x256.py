# ADP-C (EE + RH + CA), Table 2.2: confidence = max heatmap value over joints;
# positions below 0.002 are masked out (Sec. 2.4.5); adaptivity starts after
# 10 epochs of normal training (AdaptivityWarmupHook).
_base_ = ['./ee-rh_hrnet-w32_4xb32-210e_mpii-256x256.py']

model = dict(adaptivity=dict(criterion='max_value', threshold=0.002, radius=7, train=True,
                             test=True, sparse=True))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='mmvisarch.AdaptivityWarmupHook', start_epoch=10),
]
