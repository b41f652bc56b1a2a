"""Image and layout geometry (SPEC §5): center crop for image-level runs; random scale-crop for spatial runs,
applied identically to the image (bicubic) and to its layout (nearest). No flips."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def crop_geometry(width: int, height: int, resolution: int, rng: np.random.Generator | None):
    """(resized (w, h), crop (left, top)). rng None: short side → resolution, center crop. Otherwise short side
    → round(resolution · U[1.05, 1.25]) and a uniformly random crop."""
    short = resolution if rng is None else round(resolution * rng.uniform(1.05, 1.25))
    scale = short / min(width, height)
    w, h = max(resolution, round(width * scale)), max(resolution, round(height * scale))
    if rng is None:
        return (w, h), ((w - resolution) // 2, (h - resolution) // 2)
    return (w, h), (int(rng.integers(0, w - resolution + 1)), int(rng.integers(0, h - resolution + 1)))


def apply_geometry(img: Image.Image, size, offset, resolution: int, resample) -> Image.Image:
    left, top = offset
    return img.resize(size, resample).crop((left, top, left + resolution, top + resolution))


def image_to_tensor(img: Image.Image) -> torch.Tensor:
    """PIL (L or RGB) → float32 [C, H, W] in [−1, 1]."""
    array = np.asarray(img, dtype=np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.transpose(2, 0, 1).copy()) / 127.5 - 1.0


def box_image(width: int, height: int, box) -> Image.Image:
    """The box as a binary map at source resolution (1 inside [x0, x1) × [y0, y1))."""
    x0, y0, x1, y1 = box
    canvas = np.zeros((height, width), np.uint8)
    canvas[max(0, int(round(y0))):max(0, int(round(y1))), max(0, int(round(x0))):max(0, int(round(x1)))] = 1
    return Image.fromarray(canvas)


def one_hot_layout(ids: np.ndarray, num_segments: int) -> torch.Tensor:
    """Segment ids [H, W] → one-hot [K, H, W]; ids ≥ K (e.g. 255 = void) give an all-zero pixel."""
    ids = torch.from_numpy(ids.astype(np.int64))
    valid = ids < num_segments
    layout = torch.zeros(num_segments, *ids.shape)
    layout.scatter_(0, torch.where(valid, ids, 0)[None], valid[None].float())
    return layout
