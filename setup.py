import os
import platform
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: What an OpenMMLab package carries in ``<package>/.mim``: ``mim train/test``
#: run ``.mim/tools/{train,test}.py`` and mmengine reads ``pkg::`` bases from
#: ``.mim/configs`` (and ``.mim/model-index.yml``, which imports the metafiles).
MIM_FILES = ('configs', 'tools', 'model-index.yml')


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into ``mmvisarch/.mim`` of the build.

    The checkout holds ``mmvisarch/.mim`` as symbolic links to these (what
    editable installs and ``PYTHONPATH`` users read); a wheel gets copies.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        target = os.path.join(self.build_lib, 'mmvisarch', '.mim')
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.makedirs(target)
        for name in MIM_FILES:
            if os.path.isdir(name):
                shutil.copytree(name, os.path.join(target, name),
                                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copy2(name, os.path.join(target, name))


def extensions() -> tuple:
    """The optional CPU kernels of mmvisarch/csrc (see mmvisarch/ops.py)."""
    if os.environ.get('MMVISARCH_WITH_OPS', '1') == '0':
        return {}, []
    try:
        import torch
        from torch.utils.cpp_extension import BuildExtension, CppExtension
    except ImportError:
        return {}, []
    if tuple(int(v) for v in torch.__version__.split('.')[:2]) < (2, 6):
        return {}, []  # at::native::cpublas::brgemm
    flags, link = ['-O3'], []
    if platform.machine() in ('x86_64', 'AMD64'):
        flags.append('-march=native')  # built on the machine that runs it
    if platform.system() == 'Linux':  # at::parallel_for is inline OpenMP
        flags.append('-fopenmp')
        link.append('-fopenmp')
    ext = CppExtension('mmvisarch._ext', ['mmvisarch/csrc/sparse_conv.cpp'],
                       extra_compile_args=flags, extra_link_args=link)
    return {'build_ext': BuildExtension}, [ext]


CMDCLASS, EXT_MODULES = extensions()
CMDCLASS['build_py'] = BuildPyWithMim


def read_version() -> str:
    namespace: dict = {}
    with open('mmvisarch/version.py') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmvisarch',
    version=read_version(),
    description='OpenMMLab plugin: ConvNeXt, SLaK, pruned backbones and anytime dense prediction',
    long_description=open('README.md').read() if __import__('os').path.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.10',  # PEP 604 annotations are evaluated at definition time,
    install_requires=[
        'torch>=2.6',  # weights_only loading (utils/safe_load.py), the compiled kernels
        'mmengine>=0.10.0,<1.0',
        'mmcv>=2.0.0,<2.2.0',
        'numpy',
    ],
    extras_require={
        'det': ['mmdet>=3.0,<3.4'],
        'seg': ['mmsegmentation>=1.0,<1.3', 'ftfy', 'regex'],
        'cls': ['mmpretrain>=1.0,<1.3'],
        'pose': ['mmpose>=1.0,<1.4'],
        'tests': ['pytest', 'pytest-xdist'],
        'mim': ['openmim'],
    },
    license='Apache License 2.0',
    cmdclass=CMDCLASS,
    ext_modules=EXT_MODULES,
)
