"""Fashion-MNIST read straight from the IDX gz files (Debian dataset-fashion-mnist), balanced or long-tailed."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np

DEFAULT_ROOT = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def read_idx(path: Path) -> np.ndarray:
    """IDX: 2 zero bytes, a dtype code (0x08 = uint8), the rank, big-endian int32 sizes, then the data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\0\0" or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    shape = tuple(int(v) for v in np.frombuffer(data, ">i4", count=rank, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


@functools.lru_cache(maxsize=4)  # runs in one process (tests, `repro`) read each split once; the arrays are read-only
def load_split(split: str, root: Path = DEFAULT_ROOT) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels int64 [N]) of split "train" (60k) or "test" (10k)."""
    images_file, labels_file = FILES[split]
    for name in (images_file, labels_file):
        if not (root / name).is_file():
            raise FileNotFoundError(f"Fashion-MNIST file missing: {root / name} (Debian package dataset-fashion-mnist)")
    labels = read_idx(root / labels_file).astype(np.int64)
    labels.flags.writeable = False  # shared by the cache, like the (read-only) image buffer
    return read_idx(root / images_file), labels


def long_tail_indices(labels: np.ndarray, imbalance: float = 100.0, seed: int = 0) -> np.ndarray:
    """Keep n_c = floor(n_max · imbalance^(−c/(C−1))) images of class c (class 0 the head, class C−1 the
    tail: n_max / imbalance), chosen at random with `seed`; sorted indices into `labels`."""
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    n_max = min(int((labels == c).sum()) for c in classes)
    keep = []
    for rank, c in enumerate(classes):
        n = int(n_max * imbalance ** (-rank / (len(classes) - 1)))
        keep.append(rng.choice(np.flatnonzero(labels == c), size=n, replace=False))
    return np.sort(np.concatenate(keep))
