"""Convert a rethinking-network-pruning checkpoint into a width-spec classifier checkpoint.

    python tools/model_converters/rethinking_to_mmvisarch.py SRC DST --config CONFIG

SRC: a checkpoint of https://github.com/Eric-mingjie/rethinking-network-pruning
(``{'cfg': cfg, 'state_dict': sd}``: L1-norm ResNet-56/110 and VGG-16, network
slimming VGG-19, weight-level VGG-19 / PreResNet-110). CONFIG: this package's
config of the *unpruned* model of that family (e.g.
configs/pruning/l1-norm_resnet56_1xb64-160e_cifar10.py). Writes DST (an
mmengine checkpoint, loadable with ``strict=True``) and DST.spec.json (its width
spec), and prints the config overrides to train or test it:
``model.backbone.spec=DST.spec.json model.head.in_channels=C``. Weight-level
checkpoints keep their shapes and zeros. Nothing is overwritten without --force.
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='reference checkpoint')
    parser.add_argument('dst', help='output checkpoint (DST.spec.json is written beside it)')
    parser.add_argument('--config', required=True, help='config of the unpruned model')
    parser.add_argument('--force', action='store_true', help='overwrite existing outputs')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load SRC with full unpickling (only for files you trust)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmengine.config import Config

    from mmvisarch.pruning.convert import convert_reference, zero_fraction
    from mmvisarch.pruning.io import check_output, read_checkpoint, save_checkpoint, save_json
    dst = check_output(args.dst, [args.src, args.config], args.force)
    spec_path = check_output(args.dst + '.spec.json', [args.src, args.config], args.force)
    cfg = Config.fromfile(args.config)
    raw = read_checkpoint(args.src, trusted=args.trust_checkpoint)
    state, spec, new_cfg = convert_reference(raw, cfg)
    save_json(spec, spec_path)
    save_checkpoint(state, dst, meta=dict(source=osp.basename(args.src), spec=spec,
                                          converter='rethinking_to_mmvisarch'))
    head = new_cfg.model.get('head', {})
    print(f'{len(state)} tensors written to {dst}; spec {spec_path} '
          f'({len(spec["widths"])} pruned layers, conv zeros {zero_fraction(state):.1%}).\n'
          f'Use: --cfg-options model.backbone.spec={spec_path}'
          + (f' model.head.in_channels={head["in_channels"]}' if 'in_channels' in head else ''))


if __name__ == '__main__':
    main()
