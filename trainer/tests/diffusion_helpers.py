"""Shared fixtures-by-function for the diffusion tests: tiny runs through the real CLI, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from selfguide_trainer.__main__ import main as cli

FAST = ["--preset", "tiny", "--threads", "1", "--workers", "0", "--log-every", "1", "--val-images", "16",
        "--preview-every", "0", "--warmup", "5"]


def train(capsys, *args: str) -> tuple[int, list[dict]]:
    """Run `train` in this process; returns (exit code, JSON events printed on stdout)."""
    capsys.readouterr()
    code = cli(["train", *FAST, *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def fmnist_args(out: Path, steps: int, *extra: str) -> list[str]:
    return ["--fmnist", "--fmnist-fit", "resize", "--resolution", "16", "--channels", "1", "--fmnist-limit", "512",
            "--batch", "8", "--steps", str(steps), "--out", str(out), *extra]


def write_manifest(root: Path, cond: str, rows: list[dict], **header) -> Path:
    path = root / "manifest.jsonl"
    head = {"format": "selfguide-manifest", "version": 1, "cond": cond, **header}
    path.write_text("\n".join(json.dumps(r) for r in [head, *rows]) + "\n")
    return path


def image_rows(root: Path, count: int, size=(24, 20), with_masks: int = 0) -> list[dict]:
    """`count` random RGB PNGs (with boxes, clusters and, if asked, masks of `with_masks` segments)."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(count):
        path = root / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
        row = {"path": str(path), "label": i % 3, "cluster": i % 4, "box": [2, 3, 14, 15], "mask": None, "split": "train"}
        if with_masks:
            mask = root / f"mask{i}.png"
            ids = (np.arange(size[0])[None, :].repeat(size[1], 0) * with_masks // size[0]).astype(np.uint8)
            Image.fromarray(ids).save(mask)
            row["mask"] = str(mask)
        rows.append(row)
    return rows
