"""Preview grids: fixed noise and fixed training-set conditions, sampled with DDIM at several w."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] float [B, C, H, W] → uint8 [B, H, W, C]."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def save_grid(images: torch.Tensor, path: Path, columns: int | None = None, padding: int = 2) -> Path:
    pixels = to_uint8(images)
    b, h, w, c = pixels.shape
    columns = columns or math.ceil(math.sqrt(b))
    rows = math.ceil(b / columns)
    grid = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding, c), np.uint8)
    for i in range(b):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = pixels[i]
    image = Image.fromarray(grid[:, :, 0] if c == 1 else grid)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(path)
    return path


def preview_conditions(dataset, count: int, seed: int):
    """Vectors (and layouts) of `count` training items picked with `seed`: the empirical distribution of
    self-labels (SPEC §6). Unreadable items are passed over."""
    rng = np.random.default_rng(seed)
    readable = []
    for index in rng.permutation(len(dataset)):
        item = dataset[(0, int(index))]
        if item is not None:
            readable.append(item)
        if len(readable) == count:
            break
    if not readable:
        raise ValueError("no readable training image to draw preview conditions from")
    # a training set smaller than the grid repeats its items, so every grid cell has a condition
    chosen = [readable[i % len(readable)] for i in range(count)]
    vectors = [item["vector"] for item in chosen]
    layouts = [item["layout"] for item in chosen if "layout" in item]
    vector = torch.stack(vectors) if vectors and vectors[0].numel() else None
    layout = torch.stack(layouts) if layouts else None
    return vector, layout
