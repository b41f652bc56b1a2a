"""Precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020), k-NN balls.

Each point's ball has the radius of its k-th nearest neighbour in its own set (the point itself not counted).
  precision = share of fake points inside at least one real ball
  recall    = share of real points inside at least one fake ball
  density   = (1 / kM) Σ_fake #{real balls containing it}   (can exceed 1)
  coverage  = share of real balls containing at least one fake point
"Inside" is a strict distance < radius, as the reference implementation (clovaai/generative-evaluation-prdc)
computes it. Distances are Euclidean, in float64, in row chunks so memory stays O(chunk · N).
"""

from __future__ import annotations

import numpy as np

CHUNK = 1024


def _distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    d2 = (x * x).sum(1)[:, None] - 2 * x @ y.T + (y * y).sum(1)[None]
    return np.sqrt(np.clip(d2, 0, None))


def kth_neighbour_radii(points: np.ndarray, k: int) -> np.ndarray:
    """Distance of every point to its k-th nearest other point."""
    if len(points) <= k:
        raise ValueError(f"k = {k} needs more than {k} points, got {len(points)}")
    radii = [np.partition(_distances(points[i:i + CHUNK], points), k, axis=1)[:, k]  # index 0 is the point itself
             for i in range(0, len(points), CHUNK)]
    return np.concatenate(radii)


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    real_radii, fake_radii = kth_neighbour_radii(real, k), kth_neighbour_radii(fake, k)
    in_real_balls = np.zeros(len(fake), np.int64)  # per fake point: how many real balls contain it
    covered = np.zeros(len(real), bool)
    for i in range(0, len(fake), CHUNK):
        inside = _distances(fake[i:i + CHUNK], real) < real_radii[None]
        in_real_balls[i:i + CHUNK] = inside.sum(1)
        covered |= inside.any(0)
    recalled = np.concatenate([(_distances(real[i:i + CHUNK], fake) < fake_radii[None]).any(1)
                               for i in range(0, len(real), CHUNK)])
    return {
        "precision": float((in_real_balls > 0).mean()),
        "recall": float(recalled.mean()),
        "density": float(in_real_balls.sum() / (k * len(fake))),
        "coverage": float(covered.mean()),
    }
