"""Metrics of mmvisarch (METRICS registry); host-bound metrics import their host."""
from .anytime_metric import AnytimeMetric
from .dump_results import AtomicDumpResults

__all__ = ['AnytimeMetric', 'AtomicDumpResults']
