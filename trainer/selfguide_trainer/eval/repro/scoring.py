"""Scoring one set of images against the reference: FD_cls, KID_cls, PRDC in the classifier's features (and
FID proper when Inception weights were given), plus the classifier's predicted classes."""

from __future__ import annotations

import numpy as np

from ..classifier import EvalClassifier
from ..metrics import frechet_distance, gaussian_stats, kid, prdc
from ..metrics.inception import InceptionFeatures


class Scorer:
    def __init__(self, classifier: EvalClassifier, reference_images: np.ndarray, inception: InceptionFeatures | None,
                 prdc_k: int, kid_subsets: int, kid_subset_size: int, seed: int):
        self.classifier, self.inception = classifier, inception
        self.reference = classifier.features(reference_images)
        self.reference_stats = gaussian_stats(self.reference)
        self.reference_inception = inception(reference_images) if inception else None
        self.prdc_k, self.kid_subsets, self.kid_subset_size, self.seed = prdc_k, kid_subsets, kid_subset_size, seed

    def score(self, images: np.ndarray) -> tuple[dict, np.ndarray]:
        """(metrics, predicted classes) of uint8 images [N, R, R]. PRDC compares equal counts: the first N
        reference images (the reference order is already a seeded permutation)."""
        features = self.classifier.features(images)
        kid_mean, kid_std = kid(self.reference, features, self.kid_subsets, self.kid_subset_size, self.seed)
        n = min(len(images), len(self.reference))
        metrics = {"fd_cls": frechet_distance(self.reference_stats, gaussian_stats(features)),
                   "kid_cls": kid_mean, "kid_cls_std": kid_std, **prdc(self.reference[:n], features, self.prdc_k),
                   "prdc_reference": n}
        if self.inception is not None:
            metrics["fid"] = frechet_distance(self.reference_inception, self.inception(images))
        return metrics, self.classifier.predict(images)
