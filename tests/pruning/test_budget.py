"""Scratch-E/B and fine-tuning budgets follow the papers' rules (dissertation Sec. 3.4)."""
import pytest
from mmengine.config import Config

from mmvisarch.pruning import (apply_finetune_schedule, apply_scratch_schedule, finetune_lr,
                               scratch_schedule)


def test_imagenet_resnet34_scratch_b():
    """Li et al.'s FLOPs (3.64e9 unpruned, 3.08e9 A, 2.76e9 B) give int(90 * ratio) epochs; the
    reference's main_B.py decays by 10 every int(E / 3) epochs, so a third drop lands at 3 steps
    (``lr * 0.1 ** (epoch // step)``, imagenet/l1-norm-pruning/main_B.py)."""
    assert scratch_schedule(90, [30, 60], 3.64e9 / 3.08e9, 'B', 'imagenet') == (106, [35, 70, 105])
    assert scratch_schedule(90, [30, 60], 3.64e9 / 2.76e9, 'B', 'imagenet') == (118, [39, 78, 117])
    # ThiNet-70 (141 epochs): step 47, 3 * 47 = 141 is not below the last epoch -> two drops
    assert scratch_schedule(90, [30, 60], 1.569, 'B', 'imagenet') == (141, [47, 94])


def test_cifar_scratch_b_is_main_b():
    """cifar/l1-norm-pruning/main_B.py: E = int(160 * ratio), drops at int(E * .5), int(E * .75).
    VGG-16-A's whole-model FLOPs ratio, measured with the reference's compute_flops.py on the
    reference models, is 1.518953 -> 243 epochs (not int(80 * r) + ... stretching)."""
    assert scratch_schedule(160, [80, 120], 1.518953306444021, 'B', 'cifar') == (243, [121, 182])
    # ResNet-56-A/B, ResNet-110-A/B reference ratios (same measurement)
    for ratio, epochs in ((1.115653684311005, 178), (1.3791409909734342, 220),
                          (1.1882687060087123, 190), (1.6272809895174334, 260)):
        assert scratch_schedule(160, [80, 120], ratio, 'B', 'cifar') == (
            epochs, [int(epochs * 0.5), int(epochs * 0.75)])


def test_imagenet_cap_doubles_epochs():
    # >= 2x fewer FLOPs: "we just double the number of epochs" (Sec. 3.4)
    assert scratch_schedule(90, [30, 60], 3.5, 'B', 'imagenet') == (180, [60, 120])
    assert scratch_schedule(90, [30, 60], 2.0, 'B', 'imagenet') == (180, [60, 120])
    # no cap on CIFAR
    assert scratch_schedule(160, [80, 120], 3.0, 'B', 'cifar') == (480, [240, 360])


def test_sss_reference_schedules():
    """anchors sec. 4: 117/145/179 epochs, steps [35,70,105]/[43,86,129]/[53,106,159]
    for the SSS reference's FLOPs ratios 1.17 / 1.45 / 1.79 (100 epochs, steps 30/60/90)."""
    for ratio, expected in ((1.171, (117, [35, 70, 105])), (1.451, (145, [43, 86, 129])),
                            (1.791, (179, [53, 106, 159]))):
        assert scratch_schedule(100, [30, 60, 90], ratio, 'B', 'imagenet') == expected


def test_scratch_e_keeps_schedule_and_errors():
    assert scratch_schedule(160, [80, 120], 1.7, 'E', 'cifar') == (160, [80, 120])
    with pytest.raises(ValueError, match='mode'):
        scratch_schedule(160, [80, 120], 1.7, 'C', 'cifar')
    with pytest.raises(ValueError, match='>= 1'):
        scratch_schedule(160, [80, 120], 0.5, 'B', 'cifar')
    with pytest.raises(ValueError, match='dataset'):
        scratch_schedule(160, [80, 120], 1.5, 'B', 'coco')


def test_config_helpers():
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                      param_scheduler=dict(type='MultiStepLR', milestones=[80, 120], gamma=0.1),
                      train_cfg=dict(max_epochs=160)))
    b = apply_scratch_schedule(Config(cfg.to_dict()), 1.5, 'B', 'cifar')
    assert b.train_cfg.max_epochs == 240 and b.param_scheduler[0]['milestones'] == [120, 180]
    ft = apply_finetune_schedule(Config(cfg.to_dict()), 'cifar')
    assert ft.train_cfg.max_epochs == 40 and ft.optim_wrapper.optimizer.lr == pytest.approx(1e-3)
    assert apply_finetune_schedule(Config(cfg.to_dict()), 'imagenet').train_cfg.max_epochs == 20
    assert finetune_lr(0.1, 0.1, [30, 60]) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match='MultiStepLR'):
        apply_scratch_schedule(Config(dict(param_scheduler=[dict(type='CosineAnnealingLR')],
                                           train_cfg=dict(max_epochs=3))), 1.5, 'B', 'cifar')
