"""EMA UNet → ONNX plus model.json, the contract the TypeScript sampler reads (trainer/docs/training.md).

Inputs (float32, batch dynamic): x_t [B, C, H, W]; t [B] (timestep as float, 0..999); cond [B, k] when the
model is conditional; layout [B, L, H, W] when spatial. Output: eps [B, C, H, W] float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from .guidance import CONVENTION
from .loading import TrainedModel
from .onnx_rewrite import SUBPIXEL, subpixel_upsample_convs
from .schedule import BETA_END, BETA_START, NUM_TIMESTEPS

OPSET = 17


class ExportWrapper(nn.Module):
    """Positional inputs in the documented order; t accepted as float."""

    def __init__(self, unet: nn.Module, conditional: bool, spatial: bool):
        super().__init__()
        self.unet, self.conditional, self.spatial = unet, conditional, spatial

    def forward(self, x_t, t, cond=None, layout=None):
        return self.unet(x_t, t, cond if self.conditional else None, layout if self.spatial else None)


def io_spec(trained: TrainedModel) -> tuple[list[dict], list[dict]]:
    c, r, cond = trained.unet_config.image_channels, trained.config.resolution, trained.cond
    inputs = [{"name": "x_t", "dtype": "float32", "shape": ["B", c, r, r]},
              {"name": "t", "dtype": "float32", "shape": ["B"]}]
    if cond.conditional:
        inputs.append({"name": "cond", "dtype": "float32", "shape": ["B", cond.vector_dim]})
    if cond.spatial:
        inputs.append({"name": "layout", "dtype": "float32", "shape": ["B", cond.layout_channels, r, r]})
    return inputs, [{"name": "eps", "dtype": "float32", "shape": ["B", c, r, r]}]


def example_inputs(inputs: list[dict], batch: int = 2, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for spec in inputs:
        shape = [batch if d == "B" else d for d in spec["shape"]]
        if spec["name"] == "t":
            out["t"] = rng.uniform(0, NUM_TIMESTEPS - 1, shape).astype(np.float32)
        elif spec["name"] in ("cond", "layout"):
            out[spec["name"]] = (rng.uniform(size=shape) < 0.3).astype(np.float32)
        else:
            out[spec["name"]] = rng.standard_normal(shape).astype(np.float32)
    return out


def model_json(trained: TrainedModel, inputs, outputs) -> dict:
    cfg, cond = trained.config, trained.cond
    return {
        "format": "selfguide-diffusion", "version": 1,
        "preset": cfg.preset, "resolution": cfg.resolution, "channels": trained.unet_config.image_channels,
        "pixel_range": [-1.0, 1.0], "step": trained.step, "weights": "ema",
        "prediction": "eps",
        "schedule": {"type": "ddpm", "num_timesteps": NUM_TIMESTEPS, "beta_schedule": "linear",
                     "beta_start": BETA_START, "beta_end": BETA_END,
                     "betas": "linspace(sqrt(beta_start), sqrt(beta_end), num_timesteps)**2; alphas_cumprod = cumprod(1 - betas)"},
        "conditioning": {"mode": cond.mode, "vector_dim": cond.vector_dim, "layout_channels": cond.layout_channels,
                         "vector": {"none": None, "label": "one-hot", "cluster": "one-hot", "box": "one-hot cluster",
                                    "mask": "multi-hot of segments present"}[cond.mode],
                         "layout": {"box": "1 inside the box, 0 outside", "mask": "one-hot segment ids"}.get(cond.mode),
                         "null": "all-zero cond and all-zero layout", "names": cond.names},
        "cluster_names": cond.names if cond.mode in ("cluster", "box") else [],
        "guidance": {"convention": CONVENTION, "default_w": 2.0},
        "sampler": {"type": "ddim", "eta": 0.0, "default_steps": 50, "spacing": "ldm-uniform: c = T // S; t_i = i*c + 1",
                    "clip_x0": [-1.0, 1.0], "eps_recomputed_from_clipped_x0": True,
                    "last_alpha_prev": "alphas_cumprod[0]"},
        "onnx": {"file": "model.onnx", "opset": OPSET, "inputs": inputs, "outputs": outputs,
                 "t": "float32 timestep index in [0, 999] (fractional values allowed)"},
        "unet": trained.unet_config.to_dict(),
    }


def export(trained: TrainedModel, out_dir: Path, verify: bool = True) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs, outputs = io_spec(trained)
    wrapper = ExportWrapper(trained.model, trained.cond.conditional, trained.cond.spatial).eval()
    feed = example_inputs(inputs)
    names = [i["name"] for i in inputs]
    onnx_path = out_dir / "model.onnx"
    torch.onnx.export(  # the TorchScript exporter: one self-contained file, dynamic batch via dynamic_axes
        wrapper, tuple(torch.from_numpy(feed[n]) for n in names), str(onnx_path), dynamo=False, opset_version=OPSET,
        input_names=names, output_names=["eps"], dynamic_axes={n: {0: "B"} for n in names + ["eps"]})
    graph = onnx.load(str(onnx_path))
    rewrites = {SUBPIXEL: subpixel_upsample_convs(graph)}
    onnx.save(graph, str(onnx_path))
    meta = model_json(trained, inputs, outputs)
    meta["onnx"]["rewrites"] = rewrites
    if verify:
        meta["export_check"] = {"max_abs_diff": parity(wrapper, onnx_path, inputs), "batch": 3}
    (out_dir / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def parity(wrapper: nn.Module, onnx_path: Path, inputs: list[dict], batch: int = 3) -> float:
    """max |ORT − PyTorch| on fresh inputs of a batch size other than the traced one."""
    import onnxruntime as ort

    feed = example_inputs(inputs, batch=batch, seed=1)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (ort_eps,) = session.run(["eps"], feed)
    with torch.no_grad():
        ref = wrapper(*(torch.from_numpy(feed[i["name"]]) for i in inputs)).numpy()
    return float(np.abs(ort_eps - ref).max())
