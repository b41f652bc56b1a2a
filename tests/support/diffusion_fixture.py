"""Makes the sampler-parity fixture with the trainer's own CLI, in one Python process (torch imports once).

Usage: python diffusion_fixture.py DIR STEPS W [W ...]
Reads DIR/noise.npy [N, 1, 16, 16] and DIR/vector.npy [N, 10] (written by the TypeScript test), then:
trains the tiny preset on Fashion-MNIST for 2 steps, replaces the EMA weights with random ones (weights
near the zero init would make eps ≈ 0 and the parity test weak), exports DIR/export/model.{onnx,json} and
writes the PyTorch DDIM reference samples (STEPS steps) DIR/torch_w{W}.npy for each guidance weight W.
"""

import sys
from pathlib import Path

import torch

from selfguide_trainer.__main__ import main as cli
from selfguide_trainer.diffusion.checkpoint import atomic_save, latest_checkpoint, load_checkpoint

def randomize_ema(run: Path, seed: int = 0) -> None:
    """N(0, 0.5²) weights: about half the final pixels stay inside (-1, 1) rather than clipped."""
    path = latest_checkpoint(run / "checkpoints")
    state = load_checkpoint(path)
    g = torch.Generator().manual_seed(seed)
    weights = state["ema"]["model"]
    for name, value in weights.items():
        if value.is_floating_point():
            weights[name] = torch.randn(value.shape, generator=g) * 0.5
    atomic_save(state, path)


def run(*args: str) -> None:
    code = cli(list(args))
    if code != 0:
        raise SystemExit(f"selfguide_trainer {args[0]} exited with {code}")


def main(out: Path, steps: str, weights: list[str]) -> None:
    train = out / "run"
    run("train", "--fmnist", "--fmnist-fit", "resize", "--fmnist-limit", "64", "--resolution", "16", "--channels", "1",
        "--preset", "tiny", "--cond", "label", "--batch", "4", "--steps", "2", "--threads", "1", "--workers", "0",
        "--val-images", "4", "--preview-every", "0", "--warmup", "5", "--out", str(train))
    randomize_ema(train)
    run("export", "--run", str(train), "--out", str(out / "export"))
    for w in weights:
        run("sample", "--run", str(train), "--noise", str(out / "noise.npy"), "--vector", str(out / "vector.npy"),
            "--steps", steps, "--w", w, "--out", str(out / f"torch_w{w}.png"), "--save-npy", str(out / f"torch_w{w}.npy"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])
