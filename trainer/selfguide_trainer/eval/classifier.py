"""The offline evaluation feature space for Fashion-MNIST: a small CNN the evaluation trains itself on the
training split (labels used — it is the judge, not part of the method), cached in a file whose sha256 is
recorded. FD in its 128-d penultimate features is reported as FD_cls, never as FID.

Input: the diffusion models' pixels (28 px padded to 32, [−1, 1], 1 channel), so real images and samples
are compared in exactly one representation.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..vit.onnx_export import sha256_file
from .pixels import to_model_input

log = logging.getLogger(__name__)
FEATURE_DIM = 128


class FmnistClassifier(nn.Module):
    def __init__(self, resolution: int = 32):
        super().__init__()
        conv = lambda i, o: [nn.Conv2d(i, o, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]  # noqa: E731
        side = resolution // 8
        self.features = nn.Sequential(*conv(1, 32), *conv(32, 64), *conv(64, 128), nn.Flatten(),
                                      nn.Linear(128 * side * side, FEATURE_DIM), nn.ReLU())
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@dataclass
class ClassifierSettings:
    resolution: int = 32
    train_images: int | None = None  # None: all 60,000
    epochs: int = 3
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0


class EvalClassifier:
    """A trained classifier plus what it is: file, sha256, settings, held-out accuracy."""

    def __init__(self, model: FmnistClassifier, path: Path, info: dict, device: torch.device):
        self.model, self.path, self.info, self.device = model.eval().to(device), path, info, device

    @torch.no_grad()
    def _run(self, images: np.ndarray, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        feats, logits = [], []
        for i in range(0, len(images), batch):
            f = self.model.features(to_model_input(images[i:i + batch]).to(self.device))
            feats.append(f.double().cpu().numpy())
            logits.append(self.model.head(f).cpu().numpy())
        return np.concatenate(feats), np.concatenate(logits)

    def features(self, images: np.ndarray) -> np.ndarray:
        """uint8 [N, R, R] → penultimate features float64 [N, 128]."""
        return self._run(images)[0]

    def predict(self, images: np.ndarray) -> np.ndarray:
        return self._run(images)[1].argmax(axis=1)


def train_classifier(images: np.ndarray, labels: np.ndarray, settings: ClassifierSettings, device: torch.device) -> FmnistClassifier:
    torch.manual_seed(settings.seed)
    model = FmnistClassifier(settings.resolution).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    x, y = to_model_input(images), torch.tensor(labels)
    order = torch.Generator().manual_seed(settings.seed)
    for epoch in range(settings.epochs):
        permutation = torch.randperm(len(x), generator=order)
        for i in range(0, len(x) - settings.batch + 1, settings.batch):
            index = permutation[i:i + settings.batch]
            loss = nn.functional.cross_entropy(model(x[index].to(device)), y[index].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        log.info("classifier epoch %d/%d, last batch loss %.3f", epoch + 1, settings.epochs, loss.item())
    return model.eval()


def load_or_train(path: Path, settings: ClassifierSettings, train: tuple[np.ndarray, np.ndarray],
                  test: tuple[np.ndarray, np.ndarray], device: torch.device) -> EvalClassifier:
    """Reuse `path` when its sidecar (path.json) records the same settings and the file's sha256; otherwise
    (missing, other settings, or a file that no longer matches its hash) train, measure, save atomically."""
    sidecar = path.with_suffix(".json")
    if path.is_file() and sidecar.is_file():
        info = json.loads(sidecar.read_text())
        if info.get("settings") == asdict(settings) and info.get("sha256") == sha256_file(path):
            model = FmnistClassifier(settings.resolution)
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            log.info("evaluation classifier %s reused (sha256 %s…, test accuracy %.4f)", path, info["sha256"][:12], info["test_accuracy"])
            return EvalClassifier(model, path, {**info, "cached": True}, device)
        log.warning("%s does not match its recorded settings or sha256: training it again", path)
    started = time.perf_counter()
    images, labels = train
    model = train_classifier(images, labels, settings, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    classifier = EvalClassifier(model, path, {}, device)
    accuracy = float((classifier.predict(test[0]) == test[1]).mean())
    info = {"file": path.name, "sha256": sha256_file(path), "settings": asdict(settings), "train_images": len(images),
            "test_images": len(test[0]), "test_accuracy": round(accuracy, 4), "train_seconds": round(time.perf_counter() - started, 1)}
    tmp = sidecar.with_name(f".{sidecar.name}.tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n")
    tmp.replace(sidecar)
    log.info("evaluation classifier trained: test accuracy %.4f on %d images", accuracy, len(test[0]))
    classifier.info = {**info, "cached": False}
    return classifier
