"""Training images as one uint8 tensor [N, 3, S, S] in memory: Fashion-MNIST IDX files or a folder of images.

Small collections are what a CPU run can digest, so everything is decoded once up front; crops are then taken
on the fly (see augment.py) without any per-step decoding.
"""

import gzip
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

FMNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format: big-endian dims after a 4-byte magic whose last byte is the rank)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=rank, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_fmnist(split: str = "train", root: Path = FMNIST_DIR) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels int64 [N]) for split 'train' (60k) or 'test' (10k)."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images = read_idx(Path(root) / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(Path(root) / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return images, labels


def grey_to_rgb(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, H, W] -> uint8 [N, 3, H, W], as the app converts greyscale PNGs to RGB."""
    return torch.from_numpy(np.array(images, copy=True)).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


def resize_uint8(images: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear resize to size x size (the app's preprocessing: no crop, aspect ratio not kept)."""
    if images.shape[-2:] == (size, size):
        return images
    x = F.interpolate(images.float(), size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return x.round().clamp(0, 255).to(torch.uint8)


def load_image_folder(root: Path, size: int) -> tuple[torch.Tensor, list[str]]:
    """Every decodable image under root (recursive, sorted), RGB, resized to size x size.

    Returns (uint8 [N, 3, size, size], skipped paths); unreadable files are skipped, not fatal.
    """
    paths = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    images, skipped = [], []
    for path in paths:
        try:
            with Image.open(path) as im:
                rgb = im.convert("RGB").resize((size, size), Image.BILINEAR)
        except OSError:
            skipped.append(str(path))
            continue
        images.append(torch.from_numpy(np.asarray(rgb).copy()).permute(2, 0, 1))
    if not images:
        raise ValueError(f"no readable images under {root}")
    return torch.stack(images), skipped
