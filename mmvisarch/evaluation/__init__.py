"""Metrics of mmvisarch (METRICS registry); host-bound metrics import their host."""
from .anytime_metric import AnytimeMetric

__all__ = ['AnytimeMetric']
