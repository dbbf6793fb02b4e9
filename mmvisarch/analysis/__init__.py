"""Model analysis: complexity (on mmengine.analysis), sparse and anytime FLOPs, ERF."""
from .erf import accumulate_erf, high_contribution_ratios  # noqa: F401
from .sparse_flops import sparse_complexity  # noqa: F401
