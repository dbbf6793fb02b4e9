from setuptools import find_packages, setup


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
)
