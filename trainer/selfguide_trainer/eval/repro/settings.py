"""What a reproduction run is: the rows (data × guidance), one training budget for every model, the sampling
and evaluation sizes — full (about an hour per model on 2 CPU cores) or --quick (the pipeline end to end in
a few minutes) — and the exact `train` command line of each model."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..classifier import ClassifierSettings
from ..selflabels import DEFAULT_ENCODER

DATASETS = ("fmnist", "fmnist-lt")
MACHINE_FLAGS = {"--out", "--device", "--threads", "--workers"}  # train flags that do not change the model


@dataclass(frozen=True)
class Row:
    dataset: str  # "fmnist" (balanced) or "fmnist-lt" (class sizes decaying 100:1)
    guidance: str  # "none", "label" (ground truth), "self" (k-means self-labels); "real": training images, no model
    k: int | None = None

    @property
    def name(self) -> str:
        return f"{self.dataset}/{self.guidance}" + (f"-k{self.k}" if self.k else "")

    @property
    def long_tail(self) -> bool:
        return self.dataset == "fmnist-lt"

    @property
    def cond(self) -> str:
        return {"none": "none", "label": "label", "self": "cluster", "real": "none"}[self.guidance]

    @property
    def slug(self) -> str:
        return self.name.replace("/", "_")


@dataclass
class ReproSettings:
    out: Path = Path("runs/repro-fmnist")
    quick: bool = False
    # diffusion training: the same budget for every model
    preset: str = "tiny"
    resolution: int = 32
    steps: int = 2000
    batch: int = 64
    warmup: int = 500
    train_limit: int | None = None  # first N images of each training set (None: all)
    val_images: int = 256
    checkpoint_every: int = 500
    log_every: int = 50
    seed: int = 0
    imbalance: float = 100.0
    # sampling (SPEC §6: DDIM η = 0, imagen guidance form, conditions drawn from the training set)
    samples: int = 2000
    sample_steps: int = 25
    w: float = 2.0
    sample_batch: int = 250
    # evaluation
    reference: int = 10_000  # Fashion-MNIST test images for FD/KID (PRDC uses as many as there are samples)
    prdc_k: int = 5
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    inception: Path | None = None
    # self-labels
    ks: tuple[int, ...] = (10, 50)
    kmeans_restarts: int = 3
    kmeans_iterations: int = 30
    encoder: Path = DEFAULT_ENCODER
    # machine
    device: str = "auto"
    threads: int | None = 2  # 2 on a dedicated 2-core CPU; 1 when other work shares the cores
    workers: int = 0  # the Fashion-MNIST items are in memory: a loader process would only compete for the cores
    only: tuple[str, ...] = ()  # row names to run; empty: all

    def rows(self) -> list[Row]:
        rows = [Row(d, g, k) for d in DATASETS for g, k in [("none", None), ("label", None), *[("self", k) for k in self.ks]]]
        if self.only:
            unknown = set(self.only) - {r.name for r in rows}
            if unknown:
                raise ValueError(f"unknown row(s) {', '.join(sorted(unknown))}; rows are {', '.join(r.name for r in rows)}")
            rows = [r for r in rows if r.name in self.only]
        return rows

    def run_dir(self, row: Row) -> Path:
        return self.out / "runs" / row.slug

    def clusters_file(self, row: Row) -> Path:
        return self.out / "selflabels" / f"{row.dataset}-k{row.k}.npy"

    def train_args(self, row: Row) -> list[str]:
        """The `python -m selfguide_trainer train` arguments of a row's model (without --resume)."""
        args = ["--fmnist", "--channels", "1", "--resolution", str(self.resolution), "--fmnist-fit", "pad",
                "--cond", row.cond, "--preset", self.preset, "--steps", str(self.steps), "--batch", str(self.batch),
                "--warmup", str(self.warmup), "--seed", str(self.seed), "--val-images", str(self.val_images),
                "--checkpoint-every", str(self.checkpoint_every), "--log-every", str(self.log_every),
                "--preview-every", "0", "--workers", str(self.workers), "--device", self.device]
        if self.threads:
            args += ["--threads", str(self.threads)]
        if row.long_tail:
            args += ["--long-tail", "--imbalance", f"{self.imbalance:g}"]
        if self.train_limit:
            args += ["--fmnist-limit", str(self.train_limit)]
        if row.guidance == "self":
            args += ["--fmnist-clusters", str(self.clusters_file(row))]
        return args + ["--out", str(self.run_dir(row))]

    def model_args(self, row: Row) -> list[str]:
        """The train arguments that define a row's model: without where it was written or how fast it ran."""
        args, kept = self.train_args(row), []
        for i, word in enumerate(args):
            if word in MACHINE_FLAGS or (i > 0 and args[i - 1] in MACHINE_FLAGS):
                continue
            kept.append(Path(word).name if i > 0 and args[i - 1] == "--fmnist-clusters" else word)
        return kept

    def train_command(self, row: Row) -> str:
        return shlex.join(["python", "-m", "selfguide_trainer", "train", *self.train_args(row)])

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


FULL = ReproSettings()
# Smallest sizes that still run every stage: for CI and for checking a machine before a full run. One torch
# thread: on a shared 2-core machine two threads per process oversubscribe the cores (measured 10× slower).
QUICK = replace(FULL, out=Path("runs/repro-fmnist-quick"), quick=True, steps=4, batch=8, warmup=0, train_limit=512,
                val_images=8, checkpoint_every=4, log_every=2, samples=24, sample_steps=2, sample_batch=24, reference=256,
                kid_subsets=10, classifier=ClassifierSettings(train_images=2048, epochs=1), kmeans_restarts=1,
                kmeans_iterations=10, threads=1)
