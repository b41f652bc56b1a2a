"""Condition consistency: the share of samples whose condition, recomputed on the sample by the same rule that
labelled the training data (encoder cls feature → nearest centroid for self-labels; the evaluation classifier
for class labels), equals the condition the sample was generated with."""

from __future__ import annotations

import numpy as np


def condition_consistency(requested: np.ndarray, recomputed: np.ndarray) -> float:
    requested, recomputed = np.asarray(requested), np.asarray(recomputed)
    if requested.shape != recomputed.shape or requested.ndim != 1 or len(requested) == 0:
        raise ValueError(f"need two equally long, non-empty id vectors, got {requested.shape} and {recomputed.shape}")
    return float((requested == recomputed).mean())
