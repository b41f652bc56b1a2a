"""The training loop (SPEC §5): ε-prediction MSE at uniform t, classifier-free dropout, AdamW with linear
warm-up, EMA, previews, checkpoints that resume exactly, JSON-lines progress.

Exact resume: every random draw of a step (t, noise, condition dropout) comes from a generator seeded by
(seed, step, rank), every crop from (seed, epoch, index), and the data order from (seed, epoch); a checkpoint
stores the step, (epoch, batch in epoch), model, EMA, optimizer, scheduler and the global RNG states.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from .checkpoint import latest_checkpoint, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from .config import TrainConfig
from .data.loader import ResumableSampler, make_loader
from .data.source import build_datasets
from .distributed import DistContext
from .ema import EMA
from .losses import diffusion_loss
from .preview import preview_conditions, save_grid
from .presets import unet_config
from .progress import Progress
from .sampler import ddim_sample
from .schedule import Diffusion
from .unet import UNet
from .validation import ValidationSet

log = logging.getLogger(__name__)


def step_generator(seed: int, step: int, rank: int, device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence([seed, step, rank]).generate_state(1)[0]))
    return g


def warmup_factor(warmup: int):
    return lambda step: min(1.0, (step + 1) / warmup) if warmup > 0 else 1.0


def weights_fingerprint(model: torch.nn.Module) -> str:
    """A printable digest of the weights, to compare processes or runs in logs and tests."""
    return f"{sum(p.detach().double().sum().item() for p in model.parameters()):.12e}"


class Trainer:
    def __init__(self, config: TrainConfig, run_dir: Path, ctx: DistContext, progress: Progress, resume: bool):
        self.config, self.run_dir, self.ctx, self.progress = config, run_dir, ctx, progress
        self.checkpoint_dir = run_dir / "checkpoints"
        self.device = ctx.device
        if config.batch % ctx.world_size:
            raise ValueError(f"--batch {config.batch} is not divisible by the {ctx.world_size} processes")
        self.per_rank_batch = config.batch // ctx.world_size

        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)  # same initial weights on every rank
        self.train_set, val_set, self.cond = build_datasets(config)
        self.diffusion = Diffusion()
        self.unet_config = unet_config(config.preset, config.channels, self.cond.vector_dim, self.cond.layout_channels, config.dropout)
        self.model = UNet(self.unet_config).to(self.device)
        self.ema = EMA(self.model, config.ema_decay)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.learning_rate(), betas=(0.9, 0.999), eps=1e-8,
                                           weight_decay=config.weight_decay, foreach=True)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, warmup_factor(config.warmup))
        self.step, self.epoch, self.batch_in_epoch = 0, 0, 0
        self.best_val, self.skipped = math.inf, 0  # skipped: bad images seen by this rank
        self.skipped_all_ranks = 0  # summed over ranks at each checkpoint
        self.validation = ValidationSet(val_set, config.val_images, config.seed, self.diffusion.num_timesteps) if ctx.is_main else None
        if resume:
            self._resume()

        self.train_model = self.model
        if config.channels_last:
            self.train_model = self.train_model.to(memory_format=torch.channels_last)
        if ctx.enabled:
            self.train_model = DistributedDataParallel(self.train_model, device_ids=[ctx.local_rank] if self.device.type == "cuda" else None)
        if config.compile:
            self.train_model = torch.compile(self.train_model)
        self.sampler = ResumableSampler(self.train_set, ctx.world_size, ctx.rank, config.seed)
        self.batches_per_epoch = self.sampler.num_samples // self.per_rank_batch
        if self.batches_per_epoch == 0:
            raise ValueError(f"{len(self.train_set)} training images cannot fill one batch of {config.batch}")
        self.loader = make_loader(self.train_set, self.sampler, self.per_rank_batch, config.workers)
        self.stop_requested = False

    # ---- state ----------------------------------------------------------------------------------------
    def _resume(self) -> None:
        path = latest_checkpoint(self.checkpoint_dir)
        if path is None:
            log.warning("--resume: no checkpoint in %s, starting at step 0", self.checkpoint_dir)
            return
        state = load_checkpoint(path)
        self.model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["data"]["epoch"], state["data"]["batch_in_epoch"]
        self.best_val = state["best_val"]
        self.skipped = state["skipped"] if self.ctx.is_main else 0  # the saved count is the sum over ranks
        self.skipped_all_ranks = state["skipped"]
        set_rng_state(state["rng"])
        log.info("resumed from %s at step %d (epoch %d, batch %d)", path, self.step, self.epoch, self.batch_in_epoch)

    def state_dict(self, skipped_all_ranks: int) -> dict:
        return {
            "format": "selfguide-checkpoint", "version": 1,
            "step": self.step, "data": {"epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch},
            "config": self.config.to_dict(), "unet_config": self.unet_config.to_dict(), "cond": self.cond.to_dict(),
            "model": self.model.state_dict(), "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
            "best_val": self.best_val, "skipped": skipped_all_ranks, "rng": rng_state(),
        }

    # ---- one optimisation step --------------------------------------------------------------------------
    def train_step(self, batch: dict) -> float:
        c = self.config
        x0 = batch["image"].to(self.device, non_blocking=True)
        vector = batch["vector"].to(self.device) if self.cond.conditional else None
        layout = batch["layout"].to(self.device) if "layout" in batch else None
        g = step_generator(c.seed, self.step, self.ctx.rank, self.device)
        loss = diffusion_loss(self.train_model, self.diffusion, x0, vector, layout, g, c.cfg_drop, c.precision, c.channels_last)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.ema.update(self.model)
        return loss.item()

    # ---- side products ----------------------------------------------------------------------------------
    def write_previews(self) -> None:
        c = self.config
        noise = torch.randn(c.preview_count, c.channels, c.resolution, c.resolution, generator=torch.Generator().manual_seed(c.seed))
        vector, layout = preview_conditions(self.train_set, c.preview_count, c.seed)
        weights = c.preview_w if self.cond.conditional else (0.0,)
        for w in weights:
            images = ddim_sample(self.ema.model, noise.to(self.device), vector.to(self.device) if vector is not None else None,
                                 layout.to(self.device) if layout is not None else None, steps=c.preview_steps, w=w,
                                 diffusion=self.diffusion)
            path = save_grid(images, self.run_dir / "previews" / f"step_{self.step:08d}_w{w:g}.png")
            self.progress.emit("preview", path=str(path), step=self.step, w=w, guidance="imagen")

    def write_checkpoint(self, skipped_all_ranks: int) -> None:
        val = self.validation.loss(self.ema.model, self.diffusion, self.device, self.cond.conditional)
        is_best = val < self.best_val
        self.best_val = min(self.best_val, val)
        path = save_checkpoint(self.state_dict(skipped_all_ranks), self.checkpoint_dir, self.step, self.config.keep_last, is_best)
        self.progress.emit("val", step=self.step, loss=val, best=is_best)
        self.progress.emit("checkpoint", path=str(path), step=self.step, best=is_best)

    def _global_sum(self, *values: float) -> list[float]:
        if not self.ctx.enabled:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t)
        return t.tolist()

    def _stop_agreed(self) -> bool:
        """Whether any rank was asked to stop: one tiny all-reduce per step keeps the ranks' checkpoint
        collectives in step (the step loss already syncs a GPU every step, so this adds no stall)."""
        if not self.ctx.enabled:
            return self.stop_requested
        flag = torch.tensor([1.0 if self.stop_requested else 0.0], device=self.device)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        return bool(flag.item())

    def stop_when_stdin_closes(self) -> None:
        """The app keeps our stdin open and never writes to it. When the app dies, even by SIGKILL, the pipe
        closes: stop as on SIGTERM (with a checkpoint) instead of training on with nobody watching."""
        fd = sys.stdin.fileno()

        def wait_for_eof() -> None:
            # the raw fd, not sys.stdin: a daemon thread blocked in a buffered read aborts interpreter shutdown
            while os.read(fd, 4096):
                pass
            log.warning("stdin closed: the app that started this training is gone; stopping with a checkpoint")
            self.stop_requested = True

        threading.Thread(target=wait_for_eof, name="stdin-watch", daemon=True).start()

    # ---- the loop ---------------------------------------------------------------------------------------
    def run(self) -> str:
        """Train to config.steps; returns "done" or "stopped" (SIGTERM/SIGINT, or stdin closed, on any rank)."""
        c = self.config
        # a clean stop writes a checkpoint; under torchrun every rank gets the signal (or sees stdin close) at its
        # own moment, so the ranks agree on the step to stop at (_stop_agreed) before any collective
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: setattr(self, "stop_requested", True))
        stopping = False
        log.info("training %s (%d parameters), cond %s, %d images, %d steps, batch %d on %d process(es), device %s",
                 c.preset, sum(p.numel() for p in self.model.parameters()), self.cond.mode, len(self.train_set), c.steps,
                 c.batch, self.ctx.world_size, self.device)
        window_loss, window_steps, window_images, window_start = 0.0, 0, 0, time.perf_counter()
        while self.step < c.steps and not stopping:
            self.sampler.set_position(self.epoch, self.batch_in_epoch * self.per_rank_batch)
            for batch in self.loader:
                self.batch_in_epoch += 1
                self.skipped += batch["skipped"]
                if "image" not in batch:
                    continue
                window_loss += self.train_step(batch)
                window_images += batch["image"].shape[0]
                window_steps += 1
                self.step += 1
                stopping = self._stop_agreed()
                if self.step % c.log_every == 0 or self.step == c.steps:
                    loss_sum, steps, images, skipped = self._global_sum(window_loss, window_steps, window_images, self.skipped)
                    elapsed = time.perf_counter() - window_start
                    self.progress.emit("step", step=self.step, loss=loss_sum / steps, lr=self.scheduler.get_last_lr()[0],
                                       images_per_s=images / elapsed, eta_s=(c.steps - self.step) * elapsed / window_steps,
                                       epoch=self.epoch, skipped=int(skipped))
                    window_loss, window_steps, window_images = 0.0, 0, 0
                    window_start = time.perf_counter()
                if self.ctx.is_main and c.preview_every > 0 and (self.step % c.preview_every == 0 or self.step == c.steps):
                    self.write_previews()
                if self.step % c.checkpoint_every == 0 or self.step == c.steps or stopping:
                    self.skipped_all_ranks = int(self._global_sum(self.skipped)[0])  # collective: every rank takes part
                    if self.ctx.is_main:
                        self.write_checkpoint(self.skipped_all_ranks)
                    self.ctx.barrier()
                    window_start = time.perf_counter()  # side work is not training throughput
                if self.step >= c.steps or stopping:
                    break
            else:
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
        log.info("finished at step %d, weights fingerprint %s", self.step, weights_fingerprint(self.model))
        return "stopped" if stopping and self.step < c.steps else "done"
