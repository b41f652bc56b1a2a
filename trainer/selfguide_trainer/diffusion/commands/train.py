"""Train a self-guided diffusion UNet (SPEC §5) on a manifest or on Fashion-MNIST.

Progress is printed as JSON lines on stdout; human logs go to stderr. Runs unchanged under
`torchrun --nproc_per_node=N` (DDP). See trainer/docs/training.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..checkpoint import latest_checkpoint
from ..conditioning import MODES
from ..config import TrainConfig
from ..distributed import init_distributed, shutdown_distributed
from ..presets import PRESETS
from ..progress import Progress, setup_logging
from .errors import USER_ERRORS, report_crash, report_user_error

DEFAULTS = TrainConfig()
# may change when a run is resumed; everything else is fixed by RUN/config.json
RESUME_OVERRIDES = {"steps", "workers", "threads", "device", "log_every", "checkpoint_every", "keep_last", "preview_every",
                    "preview_count", "preview_steps", "preview_w"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__

    group = parser

    def opt(flag: str, help: str, **kw):
        field = flag.lstrip("-").replace("-", "_")
        default = getattr(DEFAULTS, field)
        shown = "" if kw.get("action") == "store_true" else f" (default: {default})"
        group.add_argument(flag, dest=field, default=argparse.SUPPRESS, help=help + shown, **kw)

    group = parser.add_argument_group("data (one source)")
    opt("--manifest", "JSON-lines manifest exported by the app (trainer/docs/manifest.md)", metavar="FILE")
    opt("--fmnist", "built-in Fashion-MNIST (/usr/share/datasets/fashion-mnist)", action="store_true")
    opt("--long-tail", "Fashion-MNIST long-tailed: class 0 keeps all, class 9 1/imbalance", action="store_true")
    opt("--imbalance", "head/tail ratio of --long-tail", type=float)
    opt("--fmnist-fit", "28 px → resolution by zero padding or bilinear resize", choices=["pad", "resize"])
    opt("--fmnist-clusters", "for --cond cluster: one cluster id per train image (.npy or JSON list)", metavar="FILE")
    opt("--fmnist-limit", "use only the first N Fashion-MNIST train images", type=int, metavar="N")
    opt("--cond", "conditioning; default: the manifest header's, 'label' for Fashion-MNIST", choices=MODES)
    opt("--resolution", "training resolution in pixels", type=int)
    opt("--channels", "image channels: 3 (RGB) or 1 (grey)", type=int, choices=[1, 3])
    group = parser.add_argument_group("model and optimisation")
    opt("--preset", "UNet size", choices=list(PRESETS))
    opt("--dropout", "dropout in the res blocks", type=float)
    opt("--steps", "total optimisation steps (raise it with --resume to train longer)", type=int)
    opt("--batch", "global batch size, split evenly across torchrun processes", type=int)
    opt("--lr", "peak learning rate; None = 3e-4 at <= 32 px, else 1e-4", type=float)
    opt("--warmup", "linear learning-rate warm-up steps", type=int)
    opt("--weight-decay", "AdamW weight decay", type=float)
    opt("--ema-decay", "EMA decay cap", type=float)
    opt("--cfg-drop", "probability of dropping the condition (classifier-free guidance)", type=float)
    opt("--precision", "fp32, or bf16 autocast", choices=["fp32", "bf16"])
    opt("--channels-last", "channels_last memory format", action="store_true")
    opt("--compile", "torch.compile the model", action="store_true")
    group = parser.add_argument_group("run")
    group.add_argument("--out", required=True, type=Path, metavar="RUN_DIR", help="run directory (config, checkpoints, previews)")
    group.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its latest checkpoint")
    group.add_argument("--stop-on-stdin-eof", action="store_true",
                       help="stop cleanly (with a checkpoint) when stdin closes: the app that started us is gone")
    opt("--seed", "seed of weights, data order, noise and previews", type=int)
    opt("--workers", "DataLoader worker processes per training process", type=int)
    opt("--threads", "torch CPU threads per process (1 is fastest on a busy machine)", type=int)
    opt("--device", "auto, cpu or cuda", type=str)
    opt("--log-every", "steps between 'step' progress events", type=int)
    opt("--checkpoint-every", "steps between checkpoints (one is always written at the end)", type=int)
    opt("--keep-last", "step checkpoints kept besides best.pt", type=int)
    opt("--val-images", "held-out images of the validation loss that picks best.pt", type=int)
    opt("--preview-every", "steps between preview grids; 0 = never", type=int)
    opt("--preview-count", "images per preview grid", type=int)
    opt("--preview-steps", "DDIM steps of the previews", type=int)
    opt("--preview-w", "guidance weights of the previews (imagen form)", type=float, nargs="+")


def resolve_config(args: argparse.Namespace) -> TrainConfig:
    given = {k: v for k, v in vars(args).items() if k in DEFAULTS.to_dict()}
    if "preview_w" in given:
        given["preview_w"] = tuple(given["preview_w"])
    saved = args.out / "config.json"
    if args.resume and saved.is_file():
        config = TrainConfig.load(saved)
        for key, value in given.items():
            if key in RESUME_OVERRIDES:
                setattr(config, key, value)
            elif value != getattr(config, key):
                raise ValueError(f"--{key.replace('_', '-')} cannot change on --resume (run has {getattr(config, key)!r})")
    else:
        if latest_checkpoint(args.out / "checkpoints") is not None:
            raise ValueError(f"{args.out} already holds a run; pass --resume or choose another --out")
        config = TrainConfig(**given)
    config.validate()
    return config


def main(args: argparse.Namespace) -> int:
    ctx = init_distributed(getattr(args, "device", "auto"))
    setup_logging(ctx.rank)
    progress = Progress(None, enabled=ctx.is_main)
    try:
        config = resolve_config(args)
        args.out.mkdir(parents=True, exist_ok=True)
        if ctx.is_main:
            config.save(args.out / "config.json")
        progress.events_file = args.out / "events.jsonl"
        from ..trainer import Trainer  # heavy imports after the arguments are checked

        trainer = Trainer(config, args.out, ctx, progress, resume=args.resume)
    except USER_ERRORS as e:  # bad arguments or data: one line, exit 2
        shutdown_distributed()
        return report_user_error(e, progress)
    try:
        if args.stop_on_stdin_eof:  # under torchrun every rank inherits the launcher's stdin
            trainer.stop_when_stdin_closes()
        outcome = trainer.run()
        progress.emit(outcome, step=trainer.step, skipped=trainer.skipped_all_ranks, best_val=trainer.best_val,
                      checkpoints=str(args.out / "checkpoints"))
        return 0
    except Exception as e:  # noqa: BLE001 - the app must always get an error event
        return report_crash(e, progress)
    finally:
        shutdown_distributed()
