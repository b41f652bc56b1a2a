"""Load official DINO checkpoints into `VisionTransformer`.

Accepted files:
- backbone-only state dicts (`dino_deitsmall16_pretrain.pth`, `dino_vitbase16_pretrain.pth`): keys are
  already the model's names;
- training checkpoints (`*_full_checkpoint.pth`, our own ssl runs): a dict with "teacher" and "student"
  entries whose keys carry "module." (DDP) and "backbone." (MultiCropWrapper) prefixes plus "head." keys of
  the DINO projection head, which the feature extractor does not need.
Every remaining key must map 1:1 onto a model parameter with the same shape; anything else is an error
naming the keys, never a silent partial load.
"""

import argparse
from pathlib import Path

import torch

from .model import VisionTransformer, sqrt_int
from .presets import PRESETS, ViTConfig

PREFIXES = ("module.", "backbone.")
HEAD_PREFIX = "head."


def select_state_dict(obj: dict, which: str = "teacher") -> dict[str, torch.Tensor]:
    """The backbone's tensors from whatever dict the file holds, with DINO's wrapper prefixes removed.

    `which` picks "teacher" (what DINO evaluates and releases) or "student" from a training checkpoint.
    """
    if which in obj and isinstance(obj[which], dict):
        obj = obj[which]
    elif "teacher" in obj or "student" in obj:
        raise KeyError(f"checkpoint has no {which!r} entry (has {sorted(k for k in obj if isinstance(obj[k], dict))})")
    state = {}
    for key, value in obj.items():
        if not isinstance(value, torch.Tensor):
            continue
        name = key
        stripped = True
        while stripped:  # "module.backbone.x" -> "x", in whichever order the wrappers were nested
            stripped = False
            for prefix in PREFIXES:
                if name.startswith(prefix):
                    name, stripped = name[len(prefix):], True
        if name.startswith(HEAD_PREFIX):
            continue
        state[name] = value
    return state


def infer_config(state: dict[str, torch.Tensor], num_heads: int) -> ViTConfig:
    """Sizes read off the tensors (heads cannot be: they do not change any shape)."""
    embed_dim = state["cls_token"].shape[-1]
    patch_size = state["patch_embed.proj.weight"].shape[-1]
    depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    grid = sqrt_int(state["pos_embed"].shape[1] - 1)
    mlp_ratio = state["blocks.0.mlp.fc1.weight"].shape[0] / embed_dim
    return ViTConfig(embed_dim=embed_dim, depth=depth, num_heads=num_heads, patch_size=patch_size,
                     input_size=grid * patch_size, mlp_ratio=mlp_ratio)


def read_checkpoint(path: Path) -> dict:
    """torch.load without arbitrary unpickling; DINO's full checkpoints also pickle their argparse args."""
    with torch.serialization.safe_globals([argparse.Namespace]):
        return torch.load(path, map_location="cpu", weights_only=True)


def load_state_dict_strict(model: VisionTransformer, state: dict[str, torch.Tensor]) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong_shape:
        raise ValueError(f"checkpoint does not match the model: missing {missing[:8]}, unexpected "
                         f"{unexpected[:8]}, wrong shape {[(k, tuple(state[k].shape)) for k in wrong_shape[:8]]}")
    model.load_state_dict(state, strict=True)


def load_vit(path_or_state: Path | dict, arch: str, which: str = "teacher") -> VisionTransformer:
    """A VisionTransformer with the checkpoint's weights; `arch` must describe the same network."""
    raw = path_or_state if isinstance(path_or_state, dict) else read_checkpoint(Path(path_or_state))
    state = select_state_dict(raw, which)
    preset = PRESETS[arch]
    found = infer_config(state, preset.num_heads)
    differs = {k: (v, getattr(found, k)) for k, v in preset.to_dict().items()
               if k != "input_size" and getattr(found, k) != v}
    if differs:
        raise ValueError(f"checkpoint is not a {arch}: (preset, checkpoint) differ in {differs}")
    model = VisionTransformer(**found.to_dict())  # input_size from pos_embed: the grid it was trained on
    load_state_dict_strict(model, {k: v.float() for k, v in state.items()})
    return model.eval()
