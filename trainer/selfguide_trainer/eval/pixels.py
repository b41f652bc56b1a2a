"""The one pixel convention of the evaluation: Fashion-MNIST as the diffusion models see it (SPEC §7: 28 px
zero-padded to 32, values in [−1, 1], the trainer's `--fmnist-fit pad`), samples quantized to uint8 like
saved PNGs, and the 28×28 crop the encoder takes."""

from __future__ import annotations

import numpy as np
import torch

NATIVE = 28


def pad_uint8(images: np.ndarray, resolution: int) -> np.ndarray:
    """uint8 [N, 28, 28] → uint8 [N, R, R], black border (the trainer pads with −1, i.e. 0 in uint8)."""
    pad = resolution - NATIVE
    if pad < 0:
        raise ValueError(f"resolution {resolution} is below Fashion-MNIST's {NATIVE} px")
    return np.pad(images, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2)))


def crop_native(images: np.ndarray) -> np.ndarray:
    """uint8 [N, R, R] → the central uint8 [N, 28, 28] (inverse of pad_uint8)."""
    offset = (images.shape[1] - NATIVE) // 2
    return images[:, offset:offset + NATIVE, offset:offset + NATIVE]


def to_model_input(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, R, R] → float32 [N, 1, R, R] in [−1, 1], the trainer's x / 127.5 − 1."""
    return torch.from_numpy(np.ascontiguousarray(images)).float()[:, None] / 127.5 - 1.0

