"""Training throughput (images/s) of the tiny and small presets at 32×32 on CPU.

Variants, each reported as a ratio against eager fp32 measured in the same run: bf16 autocast,
channels_last, torch.compile. The step is the trainer's own (diffusion_loss + AdamW + EMA).

    .venv/bin/python bench/train/bench_train.py [--threads 2] [--batch 32] [--steps 8] [--rounds 2] [--write bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import torch

from selfguide_trainer.diffusion.ema import EMA
from selfguide_trainer.diffusion.losses import diffusion_loss
from selfguide_trainer.diffusion.presets import unet_config
from selfguide_trainer.diffusion.schedule import Diffusion
from selfguide_trainer.diffusion.unet import UNet

VARIANTS = {  # name → (precision, channels_last, compile)
    "eager fp32": ("fp32", False, False),
    "bf16 autocast": ("bf16", False, False),
    "channels_last": ("fp32", True, False),
    "torch.compile": ("fp32", False, True),
}
SECTION = "## train (issue 5)"


def measure(preset: str, variant: str, batch: int, steps: int, warmup: int = 3) -> float:
    precision, channels_last, compile_ = VARIANTS[variant]
    torch.manual_seed(0)
    model = UNet(unet_config(preset, 3, 10, 0))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    ema = EMA(model)
    train_model = torch.compile(model) if compile_ else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01, foreach=True)
    diffusion = Diffusion()
    x0 = torch.rand(batch, 3, 32, 32) * 2 - 1
    vector = torch.nn.functional.one_hot(torch.arange(batch) % 10, 10).float()
    g = torch.Generator().manual_seed(0)

    def step():
        loss = diffusion_loss(train_model, diffusion, x0, vector, None, g, 0.1, precision, channels_last)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        ema.update(model)

    for _ in range(warmup):  # includes compilation for torch.compile
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def run(args) -> str:
    torch.set_num_threads(args.threads)
    lines = [SECTION, "",
             f"CPU training throughput at 32×32, batch {args.batch}, {args.steps} timed steps after 3 warm-up steps (compilation included there), "
             f"best of {args.rounds} interleaved rounds, "
             f"{args.threads} torch threads, torch {torch.__version__}, {platform.machine()} with {os.cpu_count()} cores "
             f"(load average at start {os.getloadavg()[0]:.1f}: the build machine is shared, so absolute numbers are noisy; "
             "ratios are measured back to back in one process). Class-conditional UNet (k = 10), full step: "
             "loss + backward + AdamW + EMA.", "",
             "| preset | variant | images/s | ratio vs eager fp32 |", "|---|---|---|---|"]
    for preset in args.presets:
        best: dict[str, float | str] = {}
        for _ in range(args.rounds):  # variants interleaved, best of rounds: the machine is shared
            for variant in VARIANTS:
                try:
                    rate = measure(preset, variant, args.batch, args.steps)
                except Exception as e:  # noqa: BLE001 - e.g. torch.compile without a working C++ toolchain
                    message = " ".join(str(e).split())[:120]
                    best[variant] = f"failed: {type(e).__name__}: {message}"
                    continue
                previous = best.get(variant)
                best[variant] = max(rate, previous) if isinstance(previous, float) else rate
                print(f"{preset} {variant}: {rate:.1f} images/s", flush=True)
        baseline = best["eager fp32"]
        for variant, rate in best.items():
            if isinstance(rate, str):
                lines.append(f"| {preset} | {variant} | {rate} | – |")
            else:
                lines.append(f"| {preset} | {variant} | {rate:.1f} | {rate / baseline:.2f} |")
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Add or replace only this benchmark's section of RESULTS.md."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["tiny", "small"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", type=Path, help="RESULTS.md to update with this section")
    args = parser.parse_args()
    section = run(args)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
