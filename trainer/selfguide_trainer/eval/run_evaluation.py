"""Evaluation of one training run of the app (SPEC §7), in a feature space every project has: its own
encoder's `cls` features through ONNX Runtime (as the app computes them). Never called FID: FD_enc.

Samples: the run's EMA model, the trainer's reference DDIM sampler (η = 0, imagen guidance form), noise from
one seed. Image-level runs (label, cluster) get `per_condition` samples for each condition the training set
uses; unconditional runs `per_condition` samples in all; box and mask runs `per_condition` samples whose
layouts are drawn from the training set. Real images: the run's held-out rows of its manifest (the training
rows when too few are held out), read the way validation reads them (centre crop at the training
resolution), so samples and real images reach the encoder at the same size.

Condition consistency (cluster runs): each sample's cls feature → nearest centroid of the run's clustering
(labels/clusters-<run>.f32, L2-normalized space), compared with the cluster it was asked for, both mapped
through `cluster_map` (people's merges followed, split clusters counted as the cluster they were split from,
since the centroid file has no sub-centroids). The same rule on the real images says what an ideal model
would reach.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..diffusion.data.datasets import ManifestDataset
from ..diffusion.data.manifest import read_manifest
from ..diffusion.loading import TrainedModel
from ..diffusion.preview import preview_conditions, save_grid, to_uint8
from ..diffusion.sampler import ddim_sample
from ..ssl.evaluate import encode
from .metrics import condition_consistency, frechet_distance, kid, prdc
from .selflabels import nearest_centroid

PRDC_K = 5


@dataclass
class EvaluationSettings:
    per_condition: int = 8
    steps: int = 25
    w: float = 2.0
    seed: int = 0
    batch: int = 32
    max_reference: int = 500
    kid_subsets: int = 100
    kid_subset_size: int = 1000


@dataclass
class Encoder:
    onnx: Path
    preprocessing: dict  # the app's Preprocessing: width, height, scale, mean, std
    name: str

    def features(self, images: np.ndarray) -> np.ndarray:
        p = self.preprocessing
        meta = {"preprocessing": {"resize": {"width": p["width"], "height": p["height"]}, "scale": p["scale"],
                                  "mean": p["mean"], "std": p["std"]}}
        return encode(self.onnx, images, batch=64, meta=meta).astype(np.float64)


@dataclass
class Clustering:
    path: Path  # k × D float32 centroids in the unit-norm space (the app's labels/clusters-<run>.f32)
    cluster_map: list[int] = field(default_factory=list)  # effective cluster id → the id it is compared as

    def nearest(self, features: np.ndarray) -> np.ndarray:
        return self.coarse(nearest_centroid(features, read_centroids(self.path, features.shape[1])))

    def coarse(self, ids: np.ndarray) -> np.ndarray:
        if not self.cluster_map:
            return ids
        table = np.asarray(self.cluster_map, np.int64)
        if ids.max(initial=0) >= len(table):
            raise ValueError(f"cluster {int(ids.max())} is not in the cluster map of {len(table)} clusters")
        return table[ids]


@dataclass
class ConditionSamples:
    name: str
    index: int | None  # the class/cluster asked for; None for the null condition or drawn layouts
    images: torch.Tensor  # [n, C, H, W] in [−1, 1]


def read_centroids(path: Path, dim: int) -> np.ndarray:
    data = np.fromfile(path, dtype="<f4")
    if data.size == 0 or data.size % dim:
        raise ValueError(f"{path}: {data.size} floats are not k centroids of the encoder's {dim} dimensions")
    return data.reshape(-1, dim).astype(np.float64)


def _noise(trained: TrainedModel, count: int, seed: int) -> torch.Tensor:
    r = trained.config.resolution
    return torch.randn(count, trained.unet_config.image_channels, r, r, generator=torch.Generator().manual_seed(seed))


def _plan(trained: TrainedModel, train: ManifestDataset, settings: EvaluationSettings):
    """(name, index, vectors, layouts) per condition group."""
    cond, n = trained.cond, settings.per_condition
    if not cond.conditional:
        return [("unconditional", None, None, None)]
    if cond.spatial:
        vector, layout = preview_conditions(train, n, settings.seed)
        return [("layouts drawn from the training set", None, vector, layout)]
    used = sorted({row.label if cond.mode == "label" else row.cluster for row in train.rows} - {None})
    if not used:
        raise ValueError("no training image has a condition; nothing to evaluate per condition")
    names = cond.names or []
    plan = []
    for index in used:
        vector = torch.zeros(n, cond.vector_dim)
        vector[:, index] = 1.0
        plan.append((names[index] if index < len(names) else f"{cond.mode} {index}", index, vector, None))
    return plan


def sample_conditions(trained: TrainedModel, train: ManifestDataset, settings: EvaluationSettings, report) -> list[ConditionSamples]:
    plan = _plan(trained, train, settings)
    total = settings.per_condition * len(plan)
    noise = _noise(trained, total, settings.seed)
    # every condition's samples in one sequence, sampled in full batches across conditions
    vectors = torch.cat([vector for _, _, vector, _ in plan]) if plan[0][2] is not None else None
    layouts = torch.cat([layout for _, _, _, layout in plan]) if plan[0][3] is not None else None
    chunks = []
    report("sampling", 0, total)
    for start in range(0, total, settings.batch):
        stop = min(total, start + settings.batch)
        v = vectors[start:stop] if vectors is not None else None
        lay = layouts[start:stop] if layouts is not None else None
        chunks.append(ddim_sample(trained.model, noise[start:stop], v, lay, steps=settings.steps, w=settings.w))
        report("sampling", stop, total)
    images = torch.cat(chunks).split(settings.per_condition)
    return [ConditionSamples(name, index, group) for (name, index, _, _), group in zip(plan, images)]


def reference_images(manifest_path: Path, trained: TrainedModel, limit: int, seed: int) -> tuple[ManifestDataset, str]:
    """The real images to compare with: held-out rows when there are enough for PRDC's k-NN balls."""
    c = trained.config
    manifest = read_manifest(str(manifest_path), c.cond)
    held_out = manifest.split("val")
    split = "val" if len(held_out) > PRDC_K else "train"
    dataset = ManifestDataset(manifest, split, c.resolution, c.channels, seed, random_crop=False)
    if len(dataset) > limit:
        keep = np.sort(np.random.default_rng(seed).permutation(len(dataset))[:limit])
        dataset.rows = [dataset.rows[i] for i in keep]
    what = "held-out images" if split == "val" else f"training images (only {len(held_out)} held out)"
    return dataset, what


def load_reference(dataset: ManifestDataset) -> tuple[torch.Tensor, list]:
    images, rows = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        if item is not None:
            images.append(item["image"])
            rows.append(dataset.rows[i])
    if len(images) <= PRDC_K:
        raise ValueError(f"only {len(images)} readable real images; the metrics need more than {PRDC_K}")
    return torch.stack(images), rows


def as_uint8(images: torch.Tensor) -> np.ndarray:
    pixels = to_uint8(images)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def evaluate_run(run_dir: Path, manifest: Path | None, encoder: Encoder, clustering: Clustering | None, out: Path,
                 settings: EvaluationSettings, report, checkpoint: Path) -> dict:
    started = time.perf_counter()
    trained = TrainedModel(checkpoint)
    manifest_path = Path(manifest or trained.config.manifest or "")
    if not manifest_path.is_file():
        raise FileNotFoundError(f"manifest not found: {manifest_path} (give --manifest)")
    if clustering is not None and trained.cond.mode != "cluster":
        raise ValueError(f"centroids were given, but the run is {trained.cond.mode}-guided, not cluster-guided")
    train = ManifestDataset(read_manifest(str(manifest_path), trained.config.cond), "train", trained.config.resolution,
                            trained.config.channels, trained.config.seed, random_crop=False)
    report("reading real images", 0, 1)
    reference_set, reference_what = reference_images(manifest_path, trained, settings.max_reference, settings.seed)
    real, real_rows = load_reference(reference_set)
    groups = sample_conditions(trained, train, settings, report)
    sampling_s = time.perf_counter() - started

    report("encoding", 0, 2)
    samples = torch.cat([g.images for g in groups])
    real_features = encoder.features(as_uint8(real))
    report("encoding", 1, 2)
    fake_features = encoder.features(as_uint8(samples))
    report("encoding", 2, 2)
    report("scoring", 0, 1)
    kid_mean, kid_std = kid(real_features, fake_features, settings.kid_subsets, settings.kid_subset_size, settings.seed)
    # PRDC on equal counts: a seeded subset of the larger set (samples are ordered by condition, so not the first n)
    prdc_count = min(len(real_features), len(fake_features))
    rng = np.random.default_rng(settings.seed)
    real_subset, fake_subset = (np.sort(rng.permutation(len(f))[:prdc_count]) for f in (real_features, fake_features))
    metrics = {"fd_enc": frechet_distance(real_features, fake_features), "kid_enc": kid_mean, "kid_enc_std": kid_std,
               **prdc(real_features[real_subset], fake_features[fake_subset], PRDC_K)}

    grids_dir = out / "grids"
    condition_rows, position = [], 0
    consistency = None
    if clustering is not None:
        predicted = clustering.nearest(fake_features)
        requested = np.concatenate([np.full(len(g.images), -1 if g.index is None else g.index) for g in groups])
        asked = requested >= 0
        if asked.any():
            wanted = clustering.coarse(requested[asked])
            consistency = {"samples": condition_consistency(wanted, predicted[asked]), "sample_count": int(asked.sum())}
            real_ids = np.array([-1 if r.cluster is None else r.cluster for r in real_rows])
            if (real_ids >= 0).sum() > 0:
                real_predicted = clustering.nearest(real_features[real_ids >= 0])
                consistency["real"] = condition_consistency(clustering.coarse(real_ids[real_ids >= 0]), real_predicted)
                consistency["real_count"] = int((real_ids >= 0).sum())
    for number, group in enumerate(groups):
        grid = save_grid(group.images, grids_dir / f"{number:03d}.png")
        row = {"name": group.name, "index": group.index, "count": len(group.images), "grid": grid.relative_to(out).as_posix()}
        if consistency is not None and group.index is not None:
            span = slice(position, position + len(group.images))
            row["consistency"] = condition_consistency(clustering.coarse(np.full(len(group.images), group.index)), predicted[span])
        position += len(group.images)
        condition_rows.append(row)
    report("scoring", 1, 1)
    return {
        "format": "selfguide-evaluation",
        "version": 1,
        "checkpoint": {"path": str(trained.path), "step": trained.step, "weights": "EMA"},
        "guidance": {"mode": trained.cond.mode, "w": settings.w, "form": "imagen"},
        "sampler": {"name": "ddim", "eta": 0, "steps": settings.steps, "seed": settings.seed, "implementation": "PyTorch reference"},
        "feature_space": {"name": "FD_enc", "encoder": encoder.name, "output": "cls", "dim": int(real_features.shape[1]),
                          "preprocessing": encoder.preprocessing, "input_resolution": trained.config.resolution},
        "samples": {"count": len(fake_features), "per_condition": settings.per_condition, "conditions": len(groups)},
        "reference": {"count": len(real_features), "what": reference_what, "manifest": str(manifest_path)},
        "metrics": {**metrics, "prdc_k": PRDC_K, "prdc_count": prdc_count,
                    "kid_subsets": settings.kid_subsets, "kid_subset_size": min(settings.kid_subset_size, prdc_count)},
        "consistency": consistency,
        "conditions": condition_rows,
        "seconds": {"sampling": round(sampling_s, 2), "total": round(time.perf_counter() - started, 2)},
    }
