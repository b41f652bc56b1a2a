"""Fréchet distance of bench/sample: samples (.npy, [N, 1, R, R] in [-1, 1]) against the Fashion-MNIST test
set, in the 64-d penultimate layer of a small CNN classifier trained here on the Fashion-MNIST train set at
the same resolution and preprocessing as the diffusion model (the trainer's FashionMNISTDataset, bilinear
resize). Not FID: no Inception weights are available offline (SPEC §7). Also: each sample set's RMSE to a
reference sample set made from the same noise (how far a sampler's ODE solution is from the reference).
Prints one JSON object.

    .venv/bin/python bench/sample/fd.py --work DIR --resolution 16 --reference ddim-250 NAME=FILE.npy ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from torch import nn

from selfguide_trainer.diffusion.data.datasets import FashionMNISTDataset


class Classifier(nn.Module):
    def __init__(self, resolution: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (resolution // 4) ** 2, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.features(x))


def dataset(split: str, resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    data = FashionMNISTDataset(split, resolution=resolution, channels=1, cond="label", fit="resize")
    images = torch.cat([data[i]["image"][None] for i in range(len(data))])
    return images, torch.from_numpy(data.labels)


def classifier(work: Path, resolution: int) -> tuple[Classifier, float]:
    path = work / f"classifier-{resolution}.pt"
    model = Classifier(resolution)
    test_x, test_y = dataset("test", resolution)
    if path.is_file():
        model.load_state_dict(torch.load(path))
    else:
        train_x, train_y = dataset("train", resolution)
        optimizer = torch.optim.Adam(model.parameters(), 1e-3)
        generator = torch.Generator().manual_seed(0)
        for _ in range(3):
            order = torch.randperm(len(train_y), generator=generator)
            for start in range(0, len(order), 256):
                batch = order[start:start + 256]
                loss = nn.functional.cross_entropy(model(train_x[batch]), train_y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        torch.save(model.state_dict(), path)
    model.eval()
    with torch.inference_mode():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    return model, accuracy


def statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    (mu1, s1), (mu2, s2) = a, b
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--reference", required=True, help="name of the sample set the RMSE is measured against")
    parser.add_argument("samples", nargs="+", help="NAME=FILE.npy")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model, accuracy = classifier(args.work, args.resolution)
    test_x, _ = dataset("test", args.resolution)
    with torch.inference_mode():
        embed = lambda x: torch.cat([model.features(x[i:i + 1000]) for i in range(0, len(x), 1000)]).numpy().astype(np.float64)
        reference = statistics(embed(test_x))
        sets = {name: np.load(file) for name, file in (item.split("=", 1) for item in args.samples)}
        n = len(next(iter(sets.values())))
        # The floor: N real test images (a random subset) against the whole test set; finite-N bias.
        subset = test_x[torch.randperm(len(test_x), generator=torch.Generator().manual_seed(1))[:n]]
        floor = frechet(statistics(embed(subset)), reference)
        fd = {name: frechet(statistics(embed(torch.from_numpy(x).float())), reference) for name, x in sets.items()}
    target = sets[args.reference]
    rmse = {name: float(np.sqrt(((x - target) ** 2).mean())) for name, x in sets.items()}
    print(json.dumps({"classifier_test_accuracy": accuracy, "n": n, "fd_floor_real_subset": floor, "fd": fd, "rmse_to_reference": rmse}))


if __name__ == "__main__":
    main()
