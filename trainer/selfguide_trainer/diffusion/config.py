"""Everything a training run is defined by; saved as RUN/config.json and inside every checkpoint."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path


@dataclass
class TrainConfig:
    # data
    manifest: str | None = None
    fmnist: bool = False
    long_tail: bool = False
    imbalance: float = 100.0
    fmnist_fit: str = "pad"
    fmnist_clusters: str | None = None
    fmnist_limit: int | None = None
    cond: str | None = None  # None: the manifest header's mode (Fashion-MNIST: "label")
    resolution: int = 32
    channels: int = 3
    # model
    preset: str = "tiny"
    dropout: float = 0.0
    # optimisation (SPEC §5)
    steps: int = 10000
    batch: int = 64  # global batch, split across torchrun processes
    lr: float | None = None  # None: 3e-4 at <= 32 px, else 1e-4
    warmup: int = 500
    weight_decay: float = 0.01
    ema_decay: float = 0.9999
    cfg_drop: float = 0.1
    precision: str = "fp32"  # fp32 | bf16 (autocast)
    channels_last: bool = False
    compile: bool = False
    # bookkeeping
    seed: int = 0
    workers: int = 2
    threads: int | None = None  # torch intra-op threads per process; None = torch's default
    device: str = "auto"
    log_every: int = 10
    checkpoint_every: int = 1000
    keep_last: int = 3
    val_images: int = 256
    preview_every: int = 1000
    preview_count: int = 16
    preview_steps: int = 50
    preview_w: tuple[float, ...] = (0.0, 2.0)

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (3e-4 if self.resolution <= 32 else 1e-4)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["preview_w"] = list(self.preview_w)
        return d

    @staticmethod
    def from_dict(d: dict) -> "TrainConfig":
        known = {f.name for f in fields(TrainConfig)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        d = dict(d)
        if "preview_w" in d:
            d["preview_w"] = tuple(d["preview_w"])
        return TrainConfig(**d)

    def validate(self) -> None:
        if bool(self.manifest) == bool(self.fmnist):
            raise ValueError("give exactly one data source: --manifest FILE or --fmnist")
        checks = [
            (self.resolution >= 8 and self.resolution % 4 == 0, "--resolution must be a multiple of 4, >= 8"),
            (self.channels in (1, 3), "--channels must be 1 or 3"),
            (self.steps > 0, "--steps must be > 0"),
            (self.batch > 0, "--batch must be > 0"),
            (0.0 <= self.cfg_drop < 1.0, "--cfg-drop must be in [0, 1)"),
            (self.precision in ("fp32", "bf16"), "--precision must be fp32 or bf16"),
            (self.warmup >= 0, "--warmup must be >= 0"),
            (self.keep_last >= 1, "--keep-last must be >= 1"),
            (self.fmnist_fit in ("pad", "resize"), "--fmnist-fit must be pad or resize"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def save(self, path: Path) -> None:
        # Through a temporary file and a rename: on --resume under torchrun every rank reads this file
        # while rank 0 saves it again, and a write in place let another rank read it empty.
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> "TrainConfig":
        return TrainConfig.from_dict(json.loads(path.read_text()))
