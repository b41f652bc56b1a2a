"""DINO's multi-crop augmentation, batched on tensors.

Per image: 2 global crops (scale 0.4-1 of the area, at the model's input size) and n local crops
(scale 0.05-0.4, at a smaller size), each with a horizontal flip (p 0.5) and brightness/contrast jitter
(p 0.8); the first global crop is always blurred, the second is blurred with p 0.1 and solarized with
p 0.2; local crops are blurred with p 0.5 — DINO's `DataAugmentationDINO`. Hue/saturation jitter and random
greyscale are left out: they act on colour the greyscale training images do not have.

All randomness comes from the generator passed in, so a step's crops depend only on (seed, step): that is
what makes a resumed run identical to an uninterrupted one.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class MultiCropConfig:
    global_size: int
    local_size: int
    local_crops: int = 6
    global_scale: tuple[float, float] = (0.4, 1.0)
    local_scale: tuple[float, float] = (0.05, 0.4)
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen)


def _chance(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < p


def random_resized_crop(x: torch.Tensor, size: int, scale: tuple[float, float], gen: torch.Generator) -> torch.Tensor:
    """Per-sample crop (area fraction in `scale`, aspect ratio 3/4-4/3, random flip) resized to size x size.

    One affine grid_sample for the whole batch: crop, resize and flip are a scale and a shift of the grid.
    """
    n = x.shape[0]
    area = _uniform(n, *scale, gen)
    log_ratio = _uniform(n, torch.log(torch.tensor(3 / 4)).item(), torch.log(torch.tensor(4 / 3)).item(), gen)
    ratio = torch.exp(log_ratio)
    # crop width and height as fractions of the image side (clipped: the crop must fit)
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (torch.rand(n, generator=gen) * (1 - w) + w / 2) * 2 - 1  # centres in grid coordinates [-1, 1]
    cy = (torch.rand(n, generator=gen) * (1 - h) + h / 2) * 2 - 1
    flip = torch.where(_chance(n, 0.5, gen), -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = w * flip, cx
    theta[:, 1, 1], theta[:, 1, 2] = h, cy
    grid = F.affine_grid(theta, [n, x.shape[1], size, size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def color_jitter(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Brightness and contrast factors in [0.6, 1.4] (DINO's 0.4 strength), applied with probability p."""
    n = x.shape[0]
    apply = _chance(n, p, gen).view(n, 1, 1, 1)
    brightness = _uniform(n, 0.6, 1.4, gen).view(n, 1, 1, 1)
    contrast = _uniform(n, 0.6, 1.4, gen).view(n, 1, 1, 1)
    y = (x * brightness).clamp(0, 1)
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    y = ((y - mean) * contrast + mean).clamp(0, 1)
    return torch.where(apply, y, x)


def gaussian_blur(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Separable Gaussian blur, sigma in [0.1, 2.0] scaled from DINO's 224 px to this crop size, with probability p."""
    n, c, size, _ = x.shape
    apply = _chance(n, p, gen).view(n, 1, 1, 1)
    sigma = _uniform(n, 0.1, 2.0, gen) * size / 224 * 4  # x4: keep the blur visible on tiny crops
    radius = 2
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(offsets.view(1, -1) ** 2) / (2 * sigma.view(-1, 1) ** 2))
    kernel = (kernel / kernel.sum(dim=1, keepdim=True)).repeat_interleave(c, dim=0)  # [n*c, 2r+1]
    flat = x.reshape(1, n * c, size, size)
    flat = F.pad(flat, (radius, radius, radius, radius), mode="replicate")
    flat = F.conv2d(flat, kernel.view(n * c, 1, 1, -1), groups=n * c)
    flat = F.conv2d(flat, kernel.view(n * c, 1, -1, 1), groups=n * c)
    return torch.where(apply, flat.reshape(n, c, size, size), x)


def solarize(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    apply = _chance(x.shape[0], p, gen).view(-1, 1, 1, 1)
    return torch.where(apply & (x >= 0.5), 1 - x, x)


def normalize(x: torch.Tensor, cfg: MultiCropConfig) -> torch.Tensor:
    mean = torch.tensor(cfg.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.std).view(1, 3, 1, 1)
    return (x - mean) / std


def multi_crop(images: torch.Tensor, cfg: MultiCropConfig, gen: torch.Generator) -> list[torch.Tensor]:
    """uint8 [B, 3, S, S] -> [global1, global2, local1, ...], each a normalized float batch."""
    x = images.float() / 255
    crops = []
    for blur_p, solarize_p in ((1.0, 0.0), (0.1, 0.2)):
        crop = color_jitter(random_resized_crop(x, cfg.global_size, cfg.global_scale, gen), 0.8, gen)
        crops.append(solarize(gaussian_blur(crop, blur_p, gen), solarize_p, gen))
    for _ in range(cfg.local_crops):
        crop = color_jitter(random_resized_crop(x, cfg.local_size, cfg.local_scale, gen), 0.8, gen)
        crops.append(gaussian_blur(crop, 0.5, gen))
    return [normalize(c, cfg) for c in crops]
