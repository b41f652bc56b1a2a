"""Reproduce the paper's Fashion-MNIST claims at 32×32: no guidance, ground-truth labels, self-labels (k = 10, 50)
on balanced and long-tailed (100:1) Fashion-MNIST, each model trained with one fixed budget, sampled and scored.

Writes OUT/results.md (table, settings, exact commands), OUT/results.json and OUT/samples.png. An interrupted
run continues where it stopped when the same command is run again. See docs/results.md.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from ...diffusion.progress import setup_logging

log = logging.getLogger(__name__)

# flag → (settings field, type); only flags the user gives override the mode's defaults
OVERRIDES = {
    "--out": ("out", Path), "--only": ("only", str), "--preset": ("preset", str), "--steps": ("steps", int),
    "--batch": ("batch", int), "--warmup": ("warmup", int), "--train-limit": ("train_limit", int), "--seed": ("seed", int),
    "--samples": ("samples", int), "--sample-steps": ("sample_steps", int), "--w": ("w", float),
    "--sample-batch": ("sample_batch", int), "--reference": ("reference", int), "--ks": ("ks", int),
    "--encoder": ("encoder", Path), "--inception": ("inception", Path), "--device": ("device", str),
    "--threads": ("threads", int), "--workers": ("workers", int), "--classifier-epochs": ("classifier_epochs", int),
}
HELP = {
    "--out": "output folder (default: runs/repro-fmnist, --quick: runs/repro-fmnist-quick)",
    "--only": "run only these rows, e.g. fmnist/none fmnist-lt/self-k10",
    "--preset": "UNet preset of every model", "--steps": "training steps of every model",
    "--batch": "training batch of every model", "--warmup": "learning-rate warm-up steps of every model",
    "--train-limit": "use only the first N images of each training set",
    "--seed": "seed of training, long-tail subset, k-means, noise, conditions and reference subset",
    "--samples": "samples per model", "--sample-steps": "DDIM steps", "--w": "guidance weight (imagen form)",
    "--sample-batch": "sampling batch", "--reference": "Fashion-MNIST test images in the reference set",
    "--ks": "k values of the self-labeled models", "--encoder": "self-supervised encoder (.onnx + .json sidecar)",
    "--inception": "TorchScript Inception-V3 (inception-2015-12-05.pt): adds FID proper",
    "--device": "auto, cpu or cuda", "--threads": "torch CPU threads", "--workers": "DataLoader workers while training",
    "--classifier-epochs": "epochs of the evaluation classifier",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    parser.add_argument("dataset", choices=["fmnist"], help="the reproduction to run")
    parser.add_argument("--quick", action="store_true", help="smallest sizes: checks the whole pipeline in a few minutes (not results)")
    for flag, (_, kind) in OVERRIDES.items():
        many = flag in ("--only", "--ks")
        parser.add_argument(flag, type=kind, nargs="+" if many else None, default=argparse.SUPPRESS, help=HELP[flag])


def settings_from(args: argparse.Namespace):
    from .settings import FULL, QUICK

    settings = QUICK if args.quick else FULL
    given = {field: getattr(args, flag.lstrip("-").replace("-", "_")) for flag, (field, _) in OVERRIDES.items()
             if hasattr(args, flag.lstrip("-").replace("-", "_"))}
    if "classifier_epochs" in given:
        settings = replace(settings, classifier=replace(settings.classifier, epochs=given.pop("classifier_epochs")))
    for many in ("only", "ks"):
        if many in given:
            given[many] = tuple(given[many])
    return replace(settings, **given)


def command_line(args: argparse.Namespace) -> str:
    """The repro command as given (flags the user passed, in a fixed order)."""
    words = ["python", "-m", "selfguide_trainer", "repro", args.dataset] + (["--quick"] if args.quick else [])
    for flag in OVERRIDES:
        value = getattr(args, flag.lstrip("-").replace("-", "_"), None)
        if value is not None:
            words += [flag, *map(str, value if isinstance(value, list) else [value])]
    return shlex.join(words)


def main(args: argparse.Namespace) -> int:
    setup_logging()
    from .pipeline import Repro, ReproError, write_json
    from .report import markdown, sample_figure

    try:
        settings = settings_from(args)
        settings.rows()  # validates --only
        results = Repro(settings).run()
    except (ReproError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped; run the same command again to continue", file=sys.stderr)
        return 130
    out = settings.out
    figure = sample_figure([(r["row"], r.pop("grid")) for r in results["rows"]], out / "samples.png")
    results["command"] = command_line(args)
    write_json(out / "results.json", results)
    (out / "results.md").write_text(markdown(results, results["command"], figure))
    print(markdown(results, results["command"], figure))
    log.info("wrote %s, %s and %s", out / "results.md", out / "results.json", figure)
    return 0
