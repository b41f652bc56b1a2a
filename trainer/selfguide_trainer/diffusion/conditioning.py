"""What the model is conditioned on, and classifier-free dropout (SPEC §3-§5).

Every mode reduces to two tensors: a vector [B, vector_dim] fed to the cond MLP and an optional layout
[B, layout_channels, H, W] concatenated to x_t. The null condition is all zeros for both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch

MODES = ("none", "label", "cluster", "box", "mask")


@dataclass
class CondSpec:
    mode: str = "none"
    vector_dim: int = 0  # 0 for mode "none"
    layout_channels: int = 0  # 1 for box, K for mask, else 0
    names: list[str] = field(default_factory=list)  # display names of the vector entries (classes/clusters/segments)

    @property
    def spatial(self) -> bool:
        return self.layout_channels > 0

    @property
    def conditional(self) -> bool:
        return self.mode != "none"

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def build(mode: str, num_classes: int = 0, num_clusters: int = 0, num_segments: int = 0, names=None) -> "CondSpec":
        """Sizes per mode: label → num_classes, cluster/box → num_clusters (box adds 1 layout channel),
        mask → num_segments for both the multi-hot vector and the one-hot layout."""
        if mode not in MODES:
            raise ValueError(f"unknown cond mode {mode!r}; expected one of {', '.join(MODES)}")
        dims = {
            "none": (0, 0),
            "label": (num_classes, 0),
            "cluster": (num_clusters, 0),
            "box": (num_clusters, 1),
            "mask": (num_segments, num_segments),
        }[mode]
        if mode != "none" and dims[0] <= 0:
            need = {"label": "num_classes", "cluster": "num_clusters", "box": "num_clusters", "mask": "num_segments"}[mode]
            raise ValueError(f"cond mode {mode!r} needs {need} > 0")
        return CondSpec(mode, dims[0], dims[1], list(names or []))


def drop_condition(vector: torch.Tensor, layout: torch.Tensor | None, p: float, generator: torch.Generator):
    """Zero the condition of each sample with probability p; vector and layout are dropped together."""
    keep = (torch.rand(vector.shape[0], generator=generator, device=generator.device) >= p).to(vector.device)
    vector = vector * keep.view(-1, 1).to(vector.dtype)
    if layout is not None:
        layout = layout * keep.view(-1, 1, 1, 1).to(layout.dtype)
    return vector, layout, keep
