"""Fréchet distance between Gaussians fitted to two feature sets (FID's formula, in any feature space).

FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½.
tr (Σ₁Σ₂)^½ is computed as tr (A Σ₂ A)^½ with A = Σ₁^½: A Σ₂ A is symmetric PSD with the same eigenvalues as
Σ₁Σ₂, so a symmetric eigensolver gives it exactly, without scipy's sqrtm and its complex round-off.
With fewer samples than dimensions (e.g. a handful of 2048-d Inception features) the D×D matrices are
avoided altogether: with centred samples X [n₁, D], Y [n₂, D], the non-zero eigenvalues of Σ₁Σ₂ are the
squared singular values of XYᵀ / √((n₁−1)(n₂−1)), so tr (Σ₁Σ₂)^½ is that matrix's nuclear norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GaussianStats:
    mean: np.ndarray  # [D]
    cov: np.ndarray  # [D, D], unbiased (N − 1), as pytorch-fid and clean-fid compute it
    count: int


def gaussian_stats(features: np.ndarray) -> GaussianStats:
    f = np.asarray(features, np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need features [N >= 2, D], got shape {f.shape}")
    return GaussianStats(f.mean(axis=0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1]), len(f))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def trace_sqrt_product(cov1: np.ndarray, cov2: np.ndarray) -> float:
    """tr (Σ₁Σ₂)^½ for symmetric PSD Σ₁, Σ₂."""
    root1 = _psd_sqrt(cov1)
    middle = root1 @ cov2 @ root1
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())


def _frechet_from_samples(a: np.ndarray, b: np.ndarray) -> float:
    x, y = a - a.mean(axis=0), b - b.mean(axis=0)
    n1, n2 = len(a) - 1, len(b) - 1
    diff = a.mean(axis=0) - b.mean(axis=0)
    trace_sqrt = np.linalg.svd(x @ y.T, compute_uv=False).sum() / np.sqrt(n1 * n2)
    return float(diff @ diff + (x * x).sum() / n1 + (y * y).sum() / n2 - 2 * trace_sqrt)


def frechet_distance(a: GaussianStats | np.ndarray, b: GaussianStats | np.ndarray) -> float:
    """FD between two feature sets [N, D] (or their GaussianStats). Never negative: round-off below 0 is
    reported as 0."""
    if not isinstance(a, GaussianStats) and not isinstance(b, GaussianStats):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.ndim == b.ndim == 2 and a.shape[1] == b.shape[1] and min(len(a), len(b)) < a.shape[1] and min(len(a), len(b)) >= 2:
            return max(0.0, _frechet_from_samples(a, b))
    a = a if isinstance(a, GaussianStats) else gaussian_stats(a)
    b = b if isinstance(b, GaussianStats) else gaussian_stats(b)
    if a.mean.shape != b.mean.shape:
        raise ValueError(f"feature dimensions differ: {a.mean.shape[0]} vs {b.mean.shape[0]}")
    diff = a.mean - b.mean
    value = diff @ diff + np.trace(a.cov) + np.trace(b.cov) - 2 * trace_sqrt_product(a.cov, b.cov)
    return max(0.0, float(value))
