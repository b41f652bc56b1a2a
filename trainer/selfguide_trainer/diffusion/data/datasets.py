"""Map-style datasets. An item is requested as (epoch, index) so that its random crop is a pure function of
(seed, epoch, index): identical across workers, processes and resumed runs. A bad image yields None, which
the collate function drops and counts."""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

from ..conditioning import CondSpec
from . import fashion_mnist
from .manifest import Manifest, ManifestRow
from .transforms import apply_geometry, box_image, crop_geometry, image_to_tensor, one_hot_layout

log = logging.getLogger(__name__)


def one_hot(index: int | None, size: int) -> torch.Tensor:
    vector = torch.zeros(size)
    if index is not None:
        vector[index] = 1.0
    return vector


def _key(item) -> tuple[int, int]:
    return item if isinstance(item, tuple) else (0, int(item))


class ManifestDataset(torch.utils.data.Dataset):
    def __init__(self, manifest: Manifest, split: str, resolution: int, channels: int = 3, seed: int = 0, random_crop: bool = True):
        self.cond: CondSpec = manifest.cond
        self.rows: list[ManifestRow] = manifest.split(split)
        self.resolution, self.channels, self.seed = resolution, channels, seed
        self.random_crop = random_crop and self.cond.spatial  # image-level runs use a center crop

    def __len__(self) -> int:
        return len(self.rows)

    def has_condition(self, row: ManifestRow) -> bool:
        """Rows lacking the field their mode needs train with the null condition (as if dropped)."""
        mode = self.cond.mode
        if mode == "label":
            return row.label is not None
        if mode == "cluster":
            return row.cluster is not None
        if mode == "box":
            return row.box is not None and row.cluster is not None
        if mode == "mask":
            return row.mask is not None
        return True

    def __getitem__(self, item):
        epoch, index = _key(item)
        row = self.rows[index]
        try:
            with Image.open(row.path) as img:
                # displayed orientation: the app's boxes and mask maps are in the pixels a person sees
                img = ImageOps.exif_transpose(img).convert("L" if self.channels == 1 else "RGB")
            mask_ids = None
            if self.cond.mode == "mask" and row.mask:
                with Image.open(row.mask) as m:
                    mask_ids = m.copy()
        except Exception as e:  # unreadable or missing image: skip it, the loader counts it
            log.warning("skipping %s: %s", row.path, e)
            return None
        rng = np.random.default_rng([self.seed, epoch, index]) if self.random_crop else None
        size, offset = crop_geometry(img.width, img.height, self.resolution, rng)
        image = image_to_tensor(apply_geometry(img, size, offset, self.resolution, Image.BICUBIC))
        sample = {"image": image}
        conditioned = self.has_condition(row)
        k, res = self.cond.vector_dim, self.resolution
        if self.cond.mode in ("label", "cluster"):
            sample["vector"] = one_hot(row.label if self.cond.mode == "label" else row.cluster, k) * conditioned
        elif self.cond.mode == "box":
            layout = torch.zeros(1, res, res)
            if conditioned:
                source = box_image(img.width, img.height, row.box)
                layout = torch.from_numpy(np.asarray(apply_geometry(source, size, offset, res, Image.NEAREST), np.float32))[None]
            sample["vector"], sample["layout"] = one_hot(row.cluster, k) * conditioned, layout
        elif self.cond.mode == "mask":
            layout = torch.zeros(k, res, res)
            if conditioned:
                ids = np.asarray(apply_geometry(mask_ids.resize(img.size, Image.NEAREST), size, offset, res, Image.NEAREST))
                layout = one_hot_layout(ids, k)
            sample["vector"], sample["layout"] = layout.amax(dim=(1, 2)), layout  # multi-hot of segments present
        else:
            sample["vector"] = torch.zeros(0)
        return sample


class FashionMNISTDataset(torch.utils.data.Dataset):
    """Fashion-MNIST at `resolution`: 28 px zero-padded ("pad") or resized bilinear ("resize"); 1 or 3 channels.
    cond: "none", "label" (ground truth) or "cluster" (self-labels given per train image, aligned to the 60k)."""

    def __init__(self, split: str = "train", resolution: int = 32, channels: int = 1, cond: str = "label", fit: str = "pad",
                 long_tail: bool = False, imbalance: float = 100.0, seed: int = 0, clusters: np.ndarray | None = None,
                 limit: int | None = None, root=fashion_mnist.DEFAULT_ROOT):
        images, labels = fashion_mnist.load_split(split, root)
        index = np.arange(len(labels))
        if long_tail:
            index = fashion_mnist.long_tail_indices(labels, imbalance, seed)
        if limit is not None:
            index = index[:limit]
        self.index = index  # positions in the split, so callers can align per-image data (e.g. self-labels)
        self.images = torch.from_numpy(images[index].copy())
        self.labels = labels[index]
        if cond == "cluster":
            if clusters is None or len(clusters) != len(labels):
                raise ValueError(f"cond 'cluster' on Fashion-MNIST needs a clusters file with one id per {split} image ({len(labels)})")
            self.clusters = np.asarray(clusters, np.int64)[index]
            k = int(self.clusters.max()) + 1
            self.cond = CondSpec.build("cluster", num_clusters=k, names=[f"cluster {i}" for i in range(k)])
        elif cond in ("label", "none"):
            self.cond = CondSpec.build(cond, num_classes=10, names=fashion_mnist.CLASS_NAMES if cond == "label" else [])
        else:
            raise ValueError(f"Fashion-MNIST has no {cond!r} self-labels; use a manifest for box/mask runs")
        if fit == "pad" and resolution < 28:
            raise ValueError("fit 'pad' needs resolution >= 28; use fit 'resize'")
        self.resolution, self.channels, self.fit = resolution, channels, fit

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> list[int]:
        return np.bincount(self.labels, minlength=10).tolist()

    def __getitem__(self, item):
        _, index = _key(item)
        x = self.images[index].float()[None, None] / 127.5 - 1.0  # [1, 1, 28, 28] in [-1, 1]
        if self.fit == "pad":
            pad = self.resolution - 28
            x = F.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2), value=-1.0)  # background is black
        else:
            x = F.interpolate(x, size=(self.resolution, self.resolution), mode="bilinear", align_corners=False, antialias=True)
        image = x[0].expand(self.channels, -1, -1).clone()
        if self.cond.mode == "label":
            vector = one_hot(int(self.labels[index]), 10)
        elif self.cond.mode == "cluster":
            vector = one_hot(int(self.clusters[index]), self.cond.vector_dim)
        else:
            vector = torch.zeros(0)
        return {"image": image, "vector": vector}
