"""Turn a TrainConfig into (train dataset, validation dataset, condition spec)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .datasets import FashionMNISTDataset, ManifestDataset
from .manifest import read_manifest


def _read_clusters(path: str) -> np.ndarray:
    """One cluster id per Fashion-MNIST train image: a .npy int array or a JSON list."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"clusters file not found: {p}")
    return np.load(p) if p.suffix == ".npy" else np.asarray(json.loads(p.read_text()), np.int64)


def build_datasets(config):
    if config.fmnist:
        common = dict(resolution=config.resolution, channels=config.channels, cond=config.cond or "label", fit=config.fmnist_fit)
        clusters = _read_clusters(config.fmnist_clusters) if config.fmnist_clusters else None
        train = FashionMNISTDataset("train", long_tail=config.long_tail, imbalance=config.imbalance, seed=config.seed,
                                    clusters=clusters, limit=config.fmnist_limit, **common)
        if train.cond.mode == "cluster":
            val = train  # clusters are known for train images only: validate on a fixed training subset
        else:
            val = FashionMNISTDataset("test", limit=config.val_images, **common)  # held-out test images
        return train, val, train.cond
    manifest = read_manifest(config.manifest, config.cond)
    train = ManifestDataset(manifest, "train", config.resolution, config.channels, config.seed)
    val_rows = "val" if manifest.split("val") else "train"
    val = ManifestDataset(manifest, val_rows, config.resolution, config.channels, config.seed, random_crop=False)
    return train, val, manifest.cond
