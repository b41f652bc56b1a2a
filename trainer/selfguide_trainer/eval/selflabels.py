"""Self-labels of Fashion-MNIST from the project's own self-supervised encoder (SPEC §2), and the same rule
applied to generated samples (condition consistency).

Encoder: an exported ViT run through ONNX Runtime with its sidecar's preprocessing (`ssl.evaluate.encode`),
i.e. the cls features the app computes; by default the bundled `models/fmnist-vit-tiny.onnx` (DINO on the
Fashion-MNIST training images, labels unused; docs/ssl.md). Clustering as the app's cluster job: k-means on
the L2-normalized cls features (k-means++ from a seed, restarts keeping the lowest inertia, Lloyd iterations),
each image labelled with its nearest centroid in the normalized space. Here k-means sees every training image
(the app fits on a sample of 256 per centroid for speed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ssl.evaluate import encode
from ..ssl.metrics import kmeans_fit, l2_normalize, nmi
from .pixels import crop_native

DEFAULT_ENCODER = Path(__file__).resolve().parents[3] / "models" / "fmnist-vit-tiny.onnx"


def nearest_centroid(features: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    x = l2_normalize(np.asarray(features, np.float64))
    d2 = -2 * x @ centroids.T + (centroids**2).sum(axis=1)[None]  # ‖x‖² = 1 is the same for every centroid
    return d2.argmin(axis=1)


@dataclass
class SelfLabels:
    k: int
    centroids: np.ndarray  # [k, D], in the L2-normalized feature space
    indices: np.ndarray  # the labelled training images: positions in the 60k training split
    assignments: np.ndarray  # cluster of each of them
    nmi: float  # against the ground-truth classes of the same images
    key: str = ""  # what made them (encoder hash, seed, k-means settings), to tell a stale cache

    def per_split_image(self, split_size: int) -> np.ndarray:
        """One id per image of the split, as the trainer's --fmnist-clusters wants; images outside `indices`
        are never read by the run and get 0."""
        ids = np.zeros(split_size, np.int64)
        ids[self.indices] = self.assignments
        return ids

    def save(self, path: Path) -> None:
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez(tmp, k=self.k, centroids=self.centroids, indices=self.indices, assignments=self.assignments, nmi=self.nmi,
                 key=self.key)
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> "SelfLabels":
        with np.load(path) as f:
            return SelfLabels(int(f["k"]), f["centroids"], f["indices"], f["assignments"], float(f["nmi"]), str(f["key"]))


def fit_self_labels(features: np.ndarray, labels: np.ndarray, indices: np.ndarray, k: int, seed: int = 0,
                    restarts: int = 3, iterations: int = 30, key: str = "") -> SelfLabels:
    centroids, assignments, _ = kmeans_fit(l2_normalize(np.asarray(features, np.float64)), k, iterations, restarts, seed)
    empty = k - len(np.unique(assignments))
    if empty:
        raise ValueError(f"k-means with k = {k} left {empty} cluster(s) empty on {len(features)} images; use a smaller k")
    return SelfLabels(k, centroids, np.asarray(indices), assignments, nmi(labels, assignments), key)


def encode_native(encoder: Path, images: np.ndarray) -> np.ndarray:
    """cls features of uint8 images [N, R, R] (R ≥ 28): the central 28×28, what the encoder was trained on."""
    return encode(encoder, np.ascontiguousarray(crop_native(images)))


def recompute_self_labels(encoder: Path, images: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The self-label the clustering gives each (generated) image: its cls feature's nearest centroid."""
    return nearest_centroid(encode_native(encoder, images), centroids)
