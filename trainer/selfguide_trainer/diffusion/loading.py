"""Find a run's checkpoint and rebuild its (EMA) UNet, for export and sampling."""

from __future__ import annotations

from pathlib import Path

from .checkpoint import latest_checkpoint, load_checkpoint
from .conditioning import CondSpec
from .config import TrainConfig
from .unet import UNet, UNetConfig


def resolve_checkpoint(run: str | None, checkpoint: str | None) -> Path:
    """--checkpoint PATH wins; else RUN/checkpoints/best.pt with `--checkpoint best`, else the latest step_*.pt."""
    if checkpoint and checkpoint not in ("latest", "best"):
        path = Path(checkpoint)
    elif run is None:
        raise ValueError("give --run RUN_DIR or --checkpoint FILE")
    elif checkpoint == "best":
        path = Path(run) / "checkpoints" / "best.pt"
    else:
        path = latest_checkpoint(Path(run) / "checkpoints")
        if path is None:
            raise FileNotFoundError(f"no checkpoint in {Path(run) / 'checkpoints'}")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return path


class TrainedModel:
    def __init__(self, path: Path, use_ema: bool = True):
        state = load_checkpoint(path)
        if state.get("format") != "selfguide-checkpoint":
            raise ValueError(f"{path} is not a selfguide checkpoint")
        self.path, self.step = path, state["step"]
        self.config = TrainConfig.from_dict(state["config"])
        self.cond = CondSpec(**state["cond"])
        self.unet_config = UNetConfig(**state["unet_config"])
        self.model = UNet(self.unet_config).eval().requires_grad_(False)
        self.model.load_state_dict(state["ema"]["model"] if use_ema else state["model"])
