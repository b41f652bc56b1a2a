"""Sample-quality metrics on feature vectors. Each takes real and generated features as float arrays [N, D];
the feature space is the caller's choice and must be named with the number (FD_cls, FID, ...)."""

from .consistency import condition_consistency
from .frechet import GaussianStats, frechet_distance, gaussian_stats
from .kid import kid
from .prdc import prdc

__all__ = ["GaussianStats", "condition_consistency", "frechet_distance", "gaussian_stats", "kid", "prdc"]
