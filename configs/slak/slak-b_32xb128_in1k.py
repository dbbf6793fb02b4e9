# SLaK-B, ImageNet-1K, 300 epochs (Table 3): 84.0 top-1, 95M / 17.1G sparse (158M / 28.5G dense).
# Drop path 0.5; prune-and-grow every 100 iterations at rate 0.3.
_base_ = './slak-s_32xb128_in1k.py'

model = dict(backbone=dict(arch='base', drop_path_rate=0.5), head=dict(in_channels=1331))
