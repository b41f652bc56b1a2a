"""FID proper: Inception-V3 pool3 features (2048-d) with clean-fid's resizing. Used only when the user supplies
the Inception weights; everything else is a Fréchet distance in another feature space and is named as such.

The weights file is the TorchScript Inception the FID literature shares (StyleGAN2-ADA's and clean-fid's
`inception-2015-12-05.pt`, the TF-FID graph converted). It is used as clean-fid uses it:
  1. images as uint8 RGB (grey replicated), resized to 299×299 per channel in float32 by PIL bicubic
     (mode "F", no quantization), clipped to [0, 255] — clean-fid's "clean" mode;
  2. normalized (x − 128) / 128 and passed to the file's `layers` submodule; its output viewed as [B, 2048].
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ...vit.onnx_export import sha256_file
from .frechet import frechet_distance

SIZE = 299
DIM = 2048


def clean_resize(images: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W] (grey) or [N, H, W, 3] → float32 [N, 299, 299, 3], clean-fid's resizer."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError("clean-fid resizing takes uint8 images")
    channels = images[..., None] if images.ndim == 3 else images
    out = np.empty((len(images), SIZE, SIZE, 3), np.float32)
    for n, image in enumerate(channels):
        planes = [np.asarray(Image.fromarray(image[:, :, c].astype(np.float32)).resize((SIZE, SIZE), Image.BICUBIC))
                  for c in range(image.shape[2])]
        out[n] = np.stack(planes * (3 // len(planes)), axis=-1).clip(0, 255)  # grey: one plane, replicated
    return out


class InceptionFeatures:
    def __init__(self, weights: Path, device: str | torch.device = "cpu", batch: int = 64):
        weights = Path(weights)
        if not weights.is_file():
            raise FileNotFoundError(f"Inception weights not found: {weights} (the TorchScript inception-2015-12-05.pt)")
        try:
            with warnings.catch_warnings():  # TorchScript is deprecated, but it is the format the weights ship in
                warnings.simplefilter("ignore", DeprecationWarning)
                base = torch.jit.load(str(weights), map_location=device).eval()
            self.layers = base.layers
        except (RuntimeError, AttributeError) as e:
            raise ValueError(f"{weights} is not the TorchScript Inception-V3 (inception-2015-12-05.pt) with a `layers` "
                             f"submodule: {e}") from e
        self.weights, self.sha256 = weights, sha256_file(weights)
        self.device, self.batch = torch.device(device), batch

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        """uint8 images [N, H, W] or [N, H, W, 3] → pool3 features float64 [N, 2048]."""
        feats = []
        for i in range(0, len(images), self.batch):
            x = torch.from_numpy(clean_resize(images[i:i + self.batch])).permute(0, 3, 1, 2).to(self.device)
            out = self.layers((x - 128) / 128)
            if out.numel() != x.shape[0] * DIM:
                raise ValueError(f"{self.weights}: expected {DIM} features per image, got {out.numel() // x.shape[0]}")
            feats.append(out.reshape(x.shape[0], DIM).double().cpu().numpy())
        return np.concatenate(feats)


def fid(inception: InceptionFeatures, real: np.ndarray, fake: np.ndarray) -> float:
    """FID between two uint8 image sets."""
    return frechet_distance(inception(real), inception(fake))
