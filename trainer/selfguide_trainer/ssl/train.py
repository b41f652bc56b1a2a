"""DINO pretraining loop: student/teacher, EMA teacher, checkpoints that resume bit-for-bit.

A step's randomness (which images, which crops) is a pure function of (seed, step), so a run resumed from a
checkpoint takes exactly the steps an uninterrupted run would have taken.
"""

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..vit import PRESETS, ViTConfig, VisionTransformer
from .augment import MultiCropConfig, multi_crop
from .dino import DINOHead, DINOLoss, MultiCropWrapper
from .schedules import cosine, linear_warmup, warmup_cosine

CHECKPOINT = "checkpoint.pt"


@dataclass
class DINOConfig:
    arch: str = "vit_micro4"
    input_size: int = 0          # global crop size; 0 = the preset's input_size
    local_size: int = 0          # local crop size; 0 = about half the global size, a multiple of the patch
    local_crops: int = 6
    global_scale: tuple[float, float] = (0.4, 1.0)  # crop area fractions (DINO's --global/local_crops_scale)
    local_scale: tuple[float, float] = (0.05, 0.4)
    batch_size: int = 128
    steps: int = 2000
    lr: float = 1e-3             # peak AdamW lr after warm-up (DINO: 5e-4 x batch/256 for 100+ epochs)
    min_lr: float = 1e-6
    warmup_steps: int = 100
    weight_decay: tuple[float, float] = (0.04, 0.4)
    teacher_momentum: tuple[float, float] = (0.996, 1.0)
    teacher_temp: tuple[float, float] = (0.04, 0.07)
    teacher_temp_warmup_steps: int = 0  # 0 = 30% of the run (DINO: 30 of 100 epochs)
    student_temp: float = 0.1
    center_momentum: float = 0.9
    out_dim: int = 4096
    hidden_dim: int = 512
    bottleneck_dim: int = 128
    clip_grad: float = 3.0
    freeze_last_layer_steps: int = 0  # DINO freezes the last head layer for its first epoch; off for short runs
    seed: int = 0
    checkpoint_every: int = 200
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def resolved(self) -> "DINOConfig":
        """Fill the 0 = automatic fields from the preset."""
        vit = PRESETS[self.arch]
        cfg = DINOConfig(**asdict(self))
        cfg.input_size = cfg.input_size or vit.input_size
        cfg.local_size = cfg.local_size or max(vit.patch_size, (cfg.input_size // 2 // vit.patch_size) * vit.patch_size)
        cfg.teacher_temp_warmup_steps = cfg.teacher_temp_warmup_steps or max(1, int(0.3 * cfg.steps))
        return cfg

    def vit_config(self) -> ViTConfig:
        vit = PRESETS[self.arch]
        return ViTConfig(**{**vit.to_dict(), "input_size": self.input_size or vit.input_size})

    @classmethod
    def from_dict(cls, d: dict) -> "DINOConfig":
        tuples = {k for k, v in asdict(cls()).items() if isinstance(v, tuple)}
        return cls(**{k: tuple(v) if k in tuples else v for k, v in d.items()})


def _param_groups(model: nn.Module) -> list[dict]:
    """DINO's split: no weight decay on biases and norm parameters (1-d tensors)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    return [{"params": decay, "apply_wd": True}, {"params": no_decay, "weight_decay": 0.0, "apply_wd": False}]


@dataclass
class StepStats:
    loss: float
    lr: float
    teacher_temp: float
    momentum: float


class DINOTrainer:
    def __init__(self, cfg: DINOConfig, images: torch.Tensor):
        """images: uint8 [N, 3, S, S]."""
        self.cfg = cfg = cfg.resolved()
        if images.shape[0] < cfg.batch_size:
            raise ValueError(f"{images.shape[0]} images is fewer than one batch of {cfg.batch_size}")
        self.images = images
        torch.manual_seed(cfg.seed)  # initial weights
        vit = cfg.vit_config()
        make_backbone = lambda: VisionTransformer(**vit.to_dict())  # noqa: E731
        make_head = lambda: DINOHead(vit.embed_dim, cfg.out_dim, cfg.hidden_dim, cfg.bottleneck_dim)  # noqa: E731
        self.student = MultiCropWrapper(make_backbone(), make_head())
        self.teacher = MultiCropWrapper(make_backbone(), make_head())
        self.teacher.load_state_dict(self.student.state_dict())  # the teacher starts as the student
        self.teacher.requires_grad_(False)
        self.loss_fn = DINOLoss(cfg.out_dim, cfg.student_temp, cfg.center_momentum)
        self.optimizer = torch.optim.AdamW(_param_groups(self.student), lr=0.0)
        self.crop_cfg = MultiCropConfig(cfg.input_size, cfg.local_size, cfg.local_crops, cfg.global_scale,
                                        cfg.local_scale, mean=cfg.mean, std=cfg.std)
        self.step = 0

    # -- data -----------------------------------------------------------------------------------------------
    def batch_indices(self, step: int) -> torch.Tensor:
        """The step's images: consecutive slices of a per-epoch permutation seeded by (seed, epoch)."""
        per_epoch = self.images.shape[0] // self.cfg.batch_size
        epoch, i = divmod(step, per_epoch)
        perm = torch.randperm(self.images.shape[0], generator=torch.Generator().manual_seed(self.cfg.seed * 100_003 + epoch))
        return perm[i * self.cfg.batch_size:(i + 1) * self.cfg.batch_size]

    def crops(self, step: int) -> list[torch.Tensor]:
        gen = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + step + 1)
        return multi_crop(self.images[self.batch_indices(step)], self.crop_cfg, gen)

    # -- one step -------------------------------------------------------------------------------------------
    def schedules(self, step: int) -> dict[str, float]:
        c = self.cfg
        return {
            "lr": warmup_cosine(c.lr, c.min_lr, c.warmup_steps, step, c.steps),
            "weight_decay": cosine(*c.weight_decay, step, c.steps),
            "momentum": cosine(*c.teacher_momentum, step, c.steps),
            "teacher_temp": linear_warmup(*c.teacher_temp, c.teacher_temp_warmup_steps, step),
        }

    def train_step(self) -> StepStats:
        s = self.schedules(self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = s["lr"]
            if group["apply_wd"]:
                group["weight_decay"] = s["weight_decay"]
        crops = self.crops(self.step)
        self.student.train()
        with torch.no_grad():
            teacher_out = self.teacher(crops[:2])  # the teacher only sees the global views
        student_out = self.student(crops)
        loss = self.loss_fn(student_out, teacher_out, s["teacher_temp"])
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss is {loss.item()} at step {self.step}")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.clip_grad:
            nn.utils.clip_grad_norm_(self.student.parameters(), self.cfg.clip_grad)
        if self.step < self.cfg.freeze_last_layer_steps:
            self.student.head.last_layer.grad = None  # stabilizes the start (DINO's cancel_gradients_last_layer)
        self.optimizer.step()
        self._update_teacher(s["momentum"])
        self.step += 1
        return StepStats(loss.item(), s["lr"], s["teacher_temp"], s["momentum"])

    @torch.no_grad()
    def _update_teacher(self, momentum: float) -> None:
        for ps, pt in zip(self.student.parameters(), self.teacher.parameters()):
            pt.mul_(momentum).add_(ps.detach(), alpha=1 - momentum)

    # -- checkpoints ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "config": asdict(self.cfg),
            "step": self.step,
            "student": self.student.state_dict(),
            "teacher": self.teacher.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "loss": self.loss_fn.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.step = state["step"]
        self.student.load_state_dict(state["student"])
        self.teacher.load_state_dict(state["teacher"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.loss_fn.load_state_dict(state["loss"])

    def save(self, run_dir: Path) -> Path:
        """Atomic: written beside, then renamed, so a crash mid-write leaves the previous checkpoint intact."""
        path = Path(run_dir) / CHECKPOINT
        tmp = path.with_suffix(".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)
        return path

    # -- the loop -------------------------------------------------------------------------------------------
    def run(self, run_dir: Path, emit: Callable[[dict], None]) -> None:
        """Train until cfg.steps, checkpointing every cfg.checkpoint_every steps and at the end."""
        cfg = self.cfg
        started, start_step = time.monotonic(), self.step
        while self.step < cfg.steps:
            stats = self.train_step()
            elapsed = time.monotonic() - started
            rate = (self.step - start_step) * cfg.batch_size / max(elapsed, 1e-9)
            emit({
                "event": "step", "step": self.step, "total_steps": cfg.steps, "loss": round(stats.loss, 6),
                "lr": stats.lr, "teacher_temp": stats.teacher_temp, "momentum": stats.momentum,
                "images_per_s": round(rate, 2),
                "eta_s": round((cfg.steps - self.step) * cfg.batch_size / max(rate, 1e-9), 1),
            })
            if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                emit({"event": "checkpoint", "step": self.step, "path": str(self.save(run_dir))})


def load_trainer(run_dir: Path, images: torch.Tensor) -> DINOTrainer:
    """A trainer restored from run_dir/checkpoint.pt, with the run's own saved config."""
    state = torch.load(Path(run_dir) / CHECKPOINT, map_location="cpu", weights_only=False)
    trainer = DINOTrainer(DINOConfig.from_dict(state["config"]), images)
    trainer.load_state_dict(state)
    return trainer


def write_config(run_dir: Path, cfg: DINOConfig) -> None:
    (Path(run_dir) / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
