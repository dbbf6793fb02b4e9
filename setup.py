import os
import platform

from setuptools import find_packages, setup


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
    python_requires='>=3.9',
    install_requires=[
        'torch>=2.0',
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
    },
    license='Apache License 2.0',
    cmdclass=CMDCLASS,
    ext_modules=EXT_MODULES,
)
