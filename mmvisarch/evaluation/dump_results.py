"""``DumpResults`` that writes atomically and never replaces a file it did not write."""
import os.path as osp
import pickle

from mmengine.evaluator import DumpResults
from mmengine.logging import print_log

from mmvisarch.registry import METRICS
from mmvisarch.utils.io import atomic_write, check_overwrite


@METRICS.register_module()
class AtomicDumpResults(DumpResults):
    """mmengine's ``DumpResults`` written through a temporary file and a rename.

    Args:
        out_file_path: the ``.pkl`` file to write.
        overwrite: replace an existing file. Defaults to False (an existing
            file is an error, raised before testing starts).
    """

    def __init__(self, out_file_path: str, overwrite: bool = False, **kwargs) -> None:
        super().__init__(out_file_path, **kwargs)
        self.overwrite = overwrite
        check_overwrite(out_file_path, overwrite, option='--force')

    def compute_metrics(self, results: list) -> dict:
        check_overwrite(self.out_file_path, self.overwrite, option='--force')

        def write(tmp):
            with open(tmp, 'wb') as f:
                pickle.dump(results, f)
        atomic_write(self.out_file_path, write)
        print_log(f'Results have been saved to {osp.abspath(self.out_file_path)}.',
                  logger='current')
        return {}
