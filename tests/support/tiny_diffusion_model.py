"""Exports a tiny random-weight diffusion model with the trainer's own CLI, for the app's sampling tests.

Usage: python tiny_diffusion_model.py OUT_DIR MODE [MODE ...]   (MODE: label | box | mask)
label: Fashion-MNIST, 16×16 grey, 10 classes. box / mask: a 4-image manifest of drawn 16×16 RGB
images (box: 3 clusters, one box each; mask: 4 segments). Trains 1 step, replaces the EMA weights with
N(0, 0.5²) ones (near-zero weights would give ε ≈ 0 and weak tests) and exports OUT_DIR/export.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from diffusion_fixture import randomize_ema, run  # noqa: E402

COMMON = ["--resolution", "16", "--preset", "tiny", "--batch", "2", "--steps", "1", "--threads", "1", "--workers", "0",
          "--val-images", "2", "--preview-every", "0", "--warmup", "5"]


def manifest(out: Path, mode: str) -> Path:
    rows = []
    for i in range(4):
        pixels = np.full((16, 16, 3), 40 * i, np.uint8)
        pixels[4:12, 4:12] = 255
        Image.fromarray(pixels).save(out / f"img{i}.png")
        row = {"path": f"img{i}.png", "cluster": i % 3, "box": [4, 4, 12, 12]}
        if mode == "mask":
            segments = np.zeros((16, 16), np.uint8)
            segments[:, 8:] = 1 + i % 3
            Image.fromarray(segments).save(out / f"mask{i}.png")
            row["mask"] = f"mask{i}.png"
        rows.append(row)
    header = {"format": "selfguide-manifest", "version": 1, "cond": mode, "num_clusters": 3, "num_segments": 4,
              "cluster_names": ["red", "green", "blue"], "segment_names": ["sky", "sea", "sand", "rock"]}
    path = out / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in [header, *rows]) + "\n")
    return path


def main(out: Path, mode: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    train = out / "run"
    if mode == "label":
        source = ["--fmnist", "--fmnist-fit", "resize", "--fmnist-limit", "16", "--channels", "1", "--cond", "label"]
    else:
        source = ["--manifest", str(manifest(out, mode)), "--channels", "3"]
    run("train", *source, *COMMON, "--out", str(train))
    randomize_ema(train)
    run("export", "--run", str(train), "--out", str(out / "export"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    for name in sys.argv[2:]:
        main(Path(sys.argv[1]) / name, name)
