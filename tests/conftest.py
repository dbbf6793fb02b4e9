"""Shared test setup: the ``slow`` marker, repository paths and the toy data."""
import os
import os.path as osp
import subprocess
import sys

import pytest

if os.environ.get('PYTEST_XDIST_WORKER'):
    # One OpenMP/BLAS thread per worker (and per tool it runs): two workers with two threads
    # each on two cores run over ten times slower than one thread each.
    for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(_var, '1')
    import torch
    torch.set_num_threads(1)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAPERS_DIR = osp.join(osp.dirname(REPO_ROOT), 'shared', 'papers')


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', help='also run tests marked slow')


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long-running (training, full-size models); '
                                       'run with --runslow or make test-all')


def pytest_collection_modifyitems(config, items):
    if config.getoption('--runslow'):
        return
    skip = pytest.mark.skip(reason='slow: run with --runslow (make test-all)')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def toy_data_root() -> str:
    """The toy datasets under ``<repo>/data`` (written once, kept between runs)."""
    root = osp.join(REPO_ROOT, 'data')
    subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                                             'make_toy_data.py'), '--out', root],
                   check=True, cwd=REPO_ROOT)
    return root


def run_tool(*args: str, timeout: int = 900, env: dict = None) -> subprocess.CompletedProcess:
    """Run ``python tools/...`` from the repository root; fail with its output."""
    full_env = dict(os.environ, **(env or {}))
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=timeout, env=full_env)
    if result.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({result.returncode}):\n'
                             f'{result.stdout[-4000:]}\n{result.stderr[-6000:]}')
    return result
