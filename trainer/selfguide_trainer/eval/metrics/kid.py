"""Kernel distance (KID's estimator, Bińkowski et al. 2018, as in torch-fidelity / clean-fid): the unbiased
MMD² with the cubic polynomial kernel k(x, y) = (xᵀy / D + 1)³, averaged over random subsets."""

from __future__ import annotations

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² of two equally sized sets: the diagonals of K_xx and K_yy are left out."""
    m = len(x)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2 * kxy.sum() / (m * m))


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD² over `subsets` random subsets of min(subset_size, |real|, |fake|)
    points drawn without replacement from each set. Near 0 (and possibly slightly negative) when both sets come
    from one distribution."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    m = min(subset_size, len(real), len(fake))
    if m < 2:
        raise ValueError("KID needs at least 2 points in each set")
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(real[rng.choice(len(real), m, replace=False)], fake[rng.choice(len(fake), m, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))
