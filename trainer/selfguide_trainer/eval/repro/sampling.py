"""Samples of one trained model, cached next to its run: DDIM (η = 0) from seeded noise, conditions drawn from
the model's own training set (the empirical distribution of its labels, SPEC §6), the imagen guidance form.

The cache file names the training recipe and sampling settings it came from, and records the training time and
checkpoint, so a row can be scored again from its samples alone: on another machine, or after its checkpoints
were deleted (a long reproduction is done a few rows per session)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...diffusion.data.source import build_datasets
from ...diffusion.loading import TrainedModel
from ...diffusion.preview import preview_conditions, to_uint8
from ...diffusion.sampler import ddim_sample


@dataclass
class Samples:
    images: np.ndarray  # uint8 [N, R, R]
    requested: np.ndarray | None  # condition index each sample was generated with (None: unconditional)
    seconds: float
    train_seconds: float  # of the training run that made the checkpoint
    checkpoint: str  # the checkpoint file they were sampled from, as it was named then


def sampling_key(model_args: list[str], checkpoint_step: int, count: int, steps: int, w: float, seed: int) -> dict:
    """`model_args`: the train command's arguments that define the model (not where or how fast it ran)."""
    return {"train": model_args, "checkpoint_step": checkpoint_step, "count": count, "steps": steps, "w": w,
            "guidance": "imagen", "seed": seed}


def draw_conditions(trained: TrainedModel, count: int, seed: int) -> torch.Tensor | None:
    if not trained.cond.conditional:
        return None
    return preview_conditions(build_datasets(trained.config)[0], count, seed)[0]


@torch.no_grad()
def generate(trained: TrainedModel, count: int, steps: int, w: float, seed: int, batch: int, device: torch.device) -> tuple[np.ndarray, np.ndarray | None]:
    c = trained.config
    noise = torch.randn(count, trained.unet_config.image_channels, c.resolution, c.resolution, generator=torch.Generator().manual_seed(seed))
    vector = draw_conditions(trained, count, seed)
    model = trained.model.to(device)
    images = []
    for i in range(0, count, batch):
        v = vector[i:i + batch].to(device) if vector is not None else None
        images.append(to_uint8(ddim_sample(model, noise[i:i + batch].to(device), v, None, steps=steps, w=w))[..., 0])
    requested = vector.argmax(dim=1).numpy() if vector is not None else None
    return np.concatenate(images), requested


def load_samples(path: Path, key: dict) -> Samples | None:
    """The samples in `path` (npz) when they were made with exactly `key`; None otherwise."""
    if not path.is_file():
        return None
    with np.load(path) as f:
        if "key" not in f or json.loads(str(f["key"])) != key:
            return None
        requested = f["requested"] if f["requested"].size else None
        return Samples(f["images"], requested, float(f["seconds"]), float(f["train_seconds"]), str(f["checkpoint"]))


def generate_and_save(path: Path, key: dict, trained: TrainedModel, train_seconds: float, count: int, steps: int,
                      w: float, seed: int, batch: int, device: torch.device, clock) -> Samples:
    started = clock()
    images, requested = generate(trained, count, steps, w, seed, batch, device)
    samples = Samples(images, requested, clock() - started, train_seconds, str(trained.path))
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez_compressed(tmp, images=images, requested=requested if requested is not None else np.zeros(0, np.int64),
                        key=json.dumps(key), seconds=samples.seconds, train_seconds=train_seconds,
                        checkpoint=samples.checkpoint)
    tmp.replace(path)
    return samples
