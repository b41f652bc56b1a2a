"""One reproduction run: shared evaluation pieces (data, classifier, reference features, encoder), then for every
row self-labels → training (through the real `train` command, resumed when interrupted) → samples → metrics.
Every stage's output is a file under the run's folder, so an interrupted run continues where it stopped."""

from __future__ import annotations

import functools
import json
import logging
import signal
import time
from pathlib import Path

import numpy as np
import torch

from ...diffusion.checkpoint import latest_checkpoint
from ...diffusion.data.datasets import FashionMNISTDataset
from ...diffusion.data.fashion_mnist import load_split
from ...diffusion.loading import TrainedModel
from ..classifier import EvalClassifier, load_or_train
from ...vit.onnx_export import sha256_file
from ..metrics import condition_consistency
from ..metrics.inception import InceptionFeatures
from ..pixels import pad_uint8
from ..selflabels import SelfLabels, encode_native, fit_self_labels, recompute_self_labels
from .sampling import Samples, generate_and_save, load_samples, sampling_key
from .scoring import Scorer
from .settings import ReproSettings, Row

log = logging.getLogger(__name__)


class ReproError(Exception):
    """A stage could not finish; the message says what to do."""


def resolve_device(name: str) -> torch.device:
    return torch.device("cuda" if name == "auto" and torch.cuda.is_available() else "cpu" if name == "auto" else name)


def train_model(settings: ReproSettings, row: Row) -> float:
    """Run `python -m selfguide_trainer train` in this process (the report's command is what ran); --resume when
    the run folder already has checkpoints. Returns the seconds of training it took, over every session."""
    from ...__main__ import main as cli

    run = settings.run_dir(row)
    resume = latest_checkpoint(run / "checkpoints") is not None
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:  # the trainer installs its own stop handlers; give ours back afterwards
        code = cli(["train", *settings.train_args(row), *(["--resume"] if resume else [])])
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
    final = latest_checkpoint(run / "checkpoints")
    step = int(final.stem.split("_")[1]) if final else 0
    if code != 0 or step < settings.steps:
        failed = f" (train exited with code {code})" if code else ""
        raise ReproError(f"training {row.name} stopped at step {step} of {settings.steps}{failed}; "
                         f"run the same repro command again to resume it (log: {run / 'events.jsonl'})")
    return logged_training_seconds(run / "events.jsonl", settings.batch, settings.log_every)


def logged_training_seconds(events: Path, batch: int, log_every: int) -> float:
    """Training time from the trainer's step events (each gives the images/s of the steps since the one before),
    summed over every session that trained the run: resumed runs count whole; checkpoint writes do not count."""
    seconds, previous = 0.0, 0
    for line in events.read_text().splitlines():
        event = json.loads(line)
        if event.get("event") != "step":
            continue
        steps = event["step"] - previous
        if not 0 < steps <= log_every:  # the first event after a resume
            steps = (event["step"] - 1) % log_every + 1
        seconds += steps * batch / event["images_per_s"]
        previous = event["step"]
    return seconds


class Repro:
    def __init__(self, settings: ReproSettings):
        self.s = settings
        self.device = resolve_device(settings.device)
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.train_images, self.train_labels = load_split("train")
        self.test_images, self.test_labels = load_split("test")
        self.results_dir = settings.out

    # ---- shared pieces ------------------------------------------------------------------------------------
    def classifier(self) -> EvalClassifier:
        c = self.s.classifier
        n = c.train_images or len(self.train_images)
        train = (pad_uint8(self.train_images[:n], c.resolution), self.train_labels[:n])
        test = (self.reference_images(), self.reference_labels())
        return load_or_train(self.s.out / "classifier" / "fmnist-cnn.pt", c, train, test, self.device)

    def reference_order(self) -> np.ndarray:
        return np.random.default_rng(self.s.seed).permutation(len(self.test_images))[:self.s.reference]

    def reference_images(self) -> np.ndarray:
        return pad_uint8(self.test_images[self.reference_order()], self.s.resolution)

    def reference_labels(self) -> np.ndarray:
        return self.test_labels[self.reference_order()]

    @functools.lru_cache(maxsize=None)
    def training_set(self, row: Row) -> FashionMNISTDataset:
        """The exact image subset the trainer uses for this row's data (same seed, long tail and limit)."""
        return FashionMNISTDataset("train", self.s.resolution, 1, cond="none", long_tail=row.long_tail,
                                   imbalance=self.s.imbalance, seed=self.s.seed, limit=self.s.train_limit)

    def encoder_features(self, row: Row) -> np.ndarray:
        path = self.s.out / "selflabels" / f"{row.dataset}-cls.npz"
        encoder_sha = sha256_file(self.s.encoder)
        index = self.training_set(row).index
        if path.is_file():
            with np.load(path) as f:
                if str(f["encoder_sha256"]) == encoder_sha and np.array_equal(f["index"], index):
                    return f["features"]
        log.info("encoding %d %s training images with %s", len(index), row.dataset, self.s.encoder)
        features = encode_native(self.s.encoder, self.train_images[index])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez(tmp, features=features, index=index, encoder_sha256=encoder_sha)
        tmp.replace(path)
        return features

    def self_labels(self, row: Row) -> SelfLabels:
        """k-means self-labels of the row's training images, written as the trainer's --fmnist-clusters file.
        New self-labels under a model already trained on others would mix two labellings: refused."""
        clusters_file = self.s.clusters_file(row)
        saved = clusters_file.with_suffix(".npz")
        index = self.training_set(row).index
        key = json.dumps({"encoder_sha256": sha256_file(self.s.encoder), "seed": self.s.seed,
                          "restarts": self.s.kmeans_restarts, "iterations": self.s.kmeans_iterations})
        if saved.is_file() and clusters_file.is_file():
            labels = SelfLabels.load(saved)
            if labels.key == key and labels.k == row.k and np.array_equal(labels.indices, index):
                return labels
        labels = fit_self_labels(self.encoder_features(row), self.train_labels[index], index, row.k, self.s.seed,
                                 self.s.kmeans_restarts, self.s.kmeans_iterations, key)
        if latest_checkpoint(self.s.run_dir(row) / "checkpoints") is not None:
            raise ReproError(f"{self.s.run_dir(row)} was trained on other self-labels than these settings give; "
                             "delete that folder or choose another --out")
        labels.save(saved)
        tmp = clusters_file.with_name(f".{clusters_file.stem}.tmp.npy")
        np.save(tmp, labels.per_split_image(len(self.train_images)))
        tmp.replace(clusters_file)
        log.info("self-labels %s k=%d: NMI %.3f vs the hidden classes", row.dataset, row.k, labels.nmi)
        return labels

    # ---- rows -------------------------------------------------------------------------------------------
    def run_row(self, row: Row, scorer: Scorer) -> dict:
        s = self.s
        labels = self.self_labels(row) if row.guidance == "self" else None
        samples = self.row_samples(row)
        started = time.perf_counter()
        metrics, predicted = scorer.score(samples.images)
        consistency = None
        if row.guidance == "label":
            consistency = condition_consistency(samples.requested, predicted)
        elif row.guidance == "self":
            consistency = condition_consistency(samples.requested, recompute_self_labels(s.encoder, samples.images, labels.centroids))
        metrics |= {"condition_consistency": consistency, "self_label_nmi": labels.nmi if labels else None}
        return {
            "row": row.name, "dataset": row.dataset, "guidance": row.guidance, "k": row.k,
            "train_images": len(self.training_set(row).index), "train_command": s.train_command(row),
            "checkpoint": samples.checkpoint, "step": s.steps, "samples": len(samples.images),
            "predicted_class_counts": np.bincount(predicted, minlength=10).tolist(), "metrics": metrics,
            "seconds": {"train": round(samples.train_seconds, 1), "sample": round(samples.seconds, 1),
                        "evaluate": round(time.perf_counter() - started, 1)},
            "grid": samples.images[:16],
        }

    def row_samples(self, row: Row) -> Samples:
        """The row's samples: kept ones made by the same recipe and sampling settings (no checkpoint needed: they
        may come from another machine), else train (or resume) the model and sample it."""
        s = self.s
        path = s.run_dir(row) / "samples.npz"
        key = sampling_key(s.model_args(row), s.steps, s.samples, s.sample_steps, s.w, s.seed)
        kept = load_samples(path, key)
        if kept is not None:
            log.info("== %s: kept samples reused (%s)", row.name, path)
            return kept
        log.info("== %s: training (%d steps × batch %d)", row.name, s.steps, s.batch)
        train_seconds = train_model(s, row)
        trained = TrainedModel(latest_checkpoint(s.run_dir(row) / "checkpoints"))
        log.info("== %s: sampling %d images (DDIM %d steps, w = %g)", row.name, s.samples, s.sample_steps, s.w)
        return generate_and_save(path, key, trained, train_seconds, s.samples, s.sample_steps, s.w, s.seed,
                                 s.sample_batch, self.device, time.perf_counter)

    def real_row(self, dataset: str, scorer: Scorer) -> dict:
        """Real training images of a data set, as many as there are samples, scored like samples: the floor a
        perfect model of that training set would reach (the long-tailed one differs from the balanced reference)."""
        row = Row(dataset, "real")
        index = self.training_set(row).index
        chosen = np.random.default_rng(self.s.seed).choice(index, min(self.s.samples, len(index)), replace=False)
        images = pad_uint8(self.train_images[chosen], self.s.resolution)
        metrics, predicted = scorer.score(images)
        return {"row": row.name, "dataset": dataset, "guidance": "real", "k": None, "train_images": len(index),
                "samples": len(images), "predicted_class_counts": np.bincount(predicted, minlength=10).tolist(),
                "metrics": metrics | {"condition_consistency": None, "self_label_nmi": None}, "grid": images[:16]}

    def run(self) -> dict:
        s = self.s
        rows = s.rows()
        if not s.encoder.is_file() and any(r.guidance == "self" for r in rows):
            raise ReproError(f"encoder not found: {s.encoder}; pass --encoder MODEL.onnx (an exported ViT with its .json sidecar)")
        s.out.mkdir(parents=True, exist_ok=True)
        classifier = self.classifier()
        inception = InceptionFeatures(s.inception, self.device) if s.inception else None
        scorer = Scorer(classifier, self.reference_images(), inception, s.prdc_k, s.kid_subsets, s.kid_subset_size, s.seed)
        results = []
        for dataset in dict.fromkeys(r.dataset for r in rows):
            results.append(self.real_row(dataset, scorer))
            results += [self.run_row(row, scorer) for row in rows if row.dataset == dataset]
        return {
            "mode": "quick" if s.quick else "full",
            "settings": s.to_dict(),
            "device": str(self.device), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "classifier": {k: v for k, v in classifier.info.items() if k != "cached"} | {"path": str(classifier.path)},
            "encoder": {"path": str(s.encoder), "sha256": sha256_file(s.encoder) if s.encoder.is_file() else None},
            "inception": {"path": str(s.inception), "sha256": inception.sha256} if inception else None,
            "reference": {"split": "fashion-mnist test", "images": len(scorer.reference), "seed": s.seed,
                          "class_counts": np.bincount(self.reference_labels(), minlength=10).tolist()},
            "rows": results,
        }


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
