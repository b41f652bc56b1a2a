"""The reproduction's outputs: a markdown table (with sample counts, seeds and the exact commands) and a figure
with one row of sample grids per model."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

COLUMNS = [  # (header, metric key, format)
    ("FD_cls ↓", "fd_cls", "{:.2f}"),
    ("KID_cls ↓", "kid_cls", None),
    ("precision ↑", "precision", "{:.3f}"),
    ("recall ↑", "recall", "{:.3f}"),
    ("density ↑", "density", "{:.3f}"),
    ("coverage ↑", "coverage", "{:.3f}"),
    ("cond. consistency ↑", "condition_consistency", "{:.3f}"),
    ("self-label NMI", "self_label_nmi", "{:.3f}"),
]
GUIDANCE = {"real": "real training images (no model)", "none": "none", "label": "ground-truth labels", "self": "self-labels"}


def shown(path: str) -> str:
    """A path as a reader can reuse it: relative to the working directory when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _cell(metrics: dict, key: str, fmt: str | None) -> str:
    value = metrics.get(key)
    if value is None:
        return "—"
    if key == "kid_cls":
        return f"{value:.3g} ± {metrics['kid_cls_std']:.2g}"
    return fmt.format(value)


def table(results: dict) -> str:
    columns = COLUMNS + ([("FID ↓", "fid", "{:.2f}")] if results.get("inception") else [])
    head = ["data", "guidance", "k"] + [c[0] for c in columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results["rows"]:
        cells = [r["dataset"], GUIDANCE[r["guidance"]], str(r["k"] or "—")]
        cells += [_cell(r["metrics"], key, fmt) for _, key, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(results: dict, command: str, figure: Path) -> str:
    s = results["settings"]
    c = results["classifier"]
    first = next((r for r in results["rows"] if r["guidance"] != "real"), {})
    title = ("Pipeline check (--quick): tiny budgets, NOT results" if results["mode"] == "quick"
             else "Fashion-MNIST reproduction")
    parts = [
        f"# {title}", "",
        f"Command: `{command}`", "",
        table(results), "",
        f"- Every model: UNet `{s['preset']}`, {s['steps']} steps × batch {s['batch']} at {s['resolution']}×{s['resolution']} "
        f"(28 px zero-padded), seed {s['seed']}; device {results['device']}, torch {results['torch']}.",
        f"- Samples: {first.get('samples', 0)} per model, DDIM η = 0 with {s['sample_steps']} steps, guidance w = {s['w']:g} "
        "(imagen form (1−w)·ε∅ + w·εc); noise and conditions seeded with the seed above; conditions drawn from each "
        "model's own training set.",
        f"- Reference: {results['reference']['images']} Fashion-MNIST test images (balanced, seed {s['seed']}) for FD and "
        f"KID ({s['kid_subsets']} subsets of ≤ {s['kid_subset_size']}); precision/recall/density/coverage (k = {s['prdc_k']}) "
        f"against the first {first.get('metrics', {}).get('prdc_reference', 0)} of them. "
        "`real training images` rows score that many training images instead of samples: the value a perfect model "
        "of that training set would get.",
        f"- FD_cls / KID_cls: in the 128-d penultimate features of the evaluation classifier `{shown(c['path'])}` "
        f"(sha256 `{c['sha256']}`), trained on {c['train_images']} training images, test accuracy "
        f"{c['test_accuracy']:.4f} on {c['test_images']} test images. Not FID."
        + (f" FID: Inception `{shown(results['inception']['path'])}` (sha256 `{results['inception']['sha256']}`), clean-fid resizing."
           if results.get("inception") else ""),
        f"- Self-labels: k-means on the L2-normalized cls features of `{shown(results['encoder']['path'])}` "
        f"(sha256 `{results['encoder']['sha256']}`); NMI against the hidden classes of the training images.",
        "- Condition consistency: share of samples whose condition recomputed on the sample equals the requested "
        "one (self-labels: encoder → nearest centroid; ground-truth labels: the evaluation classifier).",
        "", f"![samples]({figure.name})", "", "## Models", "",
        "| row | training images | step | train s | sample s | command |", "|---|---|---|---|---|---|",
    ]
    for r in (r for r in results["rows"] if r["guidance"] != "real"):
        t = r["seconds"]
        parts.append(f"| {r['row']} | {r['train_images']} | {r['step']} | {t['train']} | {t['sample']} | `{r['train_command']}` |")
    return "\n".join(parts) + "\n"


def sample_figure(rows: list[tuple[str, np.ndarray]], path: Path, scale: int = 2, padding: int = 2, label_width: int = 170) -> Path:
    """One line per model: its name, then its first samples (uint8 [G, R, R]) enlarged `scale` times."""
    count = max(len(images) for _, images in rows)
    size = rows[0][1].shape[1] * scale
    canvas = Image.new("L", (label_width + count * (size + padding) + padding, len(rows) * (size + padding) + padding), 255)
    draw = ImageDraw.Draw(canvas)
    for line, (label, images) in enumerate(rows):
        y = padding + line * (size + padding)
        draw.text((6, y + size // 2 - 6), label, fill=0)
        for i, image in enumerate(images):
            tile = Image.fromarray(image).resize((size, size), Image.NEAREST)
            canvas.paste(tile, (label_width + padding + i * (size + padding), y))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    canvas.save(tmp, format="PNG")
    tmp.replace(path)
    return path
