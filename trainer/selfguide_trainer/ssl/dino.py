"""The DINO objective: projection head, centred and sharpened teacher targets, cross-entropy across views.

Follows facebookresearch/dino `vision_transformer.DINOHead` and `main_dino.DINOLoss`.
"""

import torch
import torch.nn.functional as F
from torch import nn


class DINOHead(nn.Module):
    """MLP (3 layers, GELU) -> L2-normalized bottleneck -> weight-normalized linear layer to `out_dim` logits.

    The last layer's weight is normalized per output unit with its gain fixed at 1 (DINO's
    norm_last_layer=True), written out as F.normalize instead of a weight_norm parametrization.
    """

    def __init__(self, in_dim: int, out_dim: int, hidden_dim: int, bottleneck_dim: int):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_dim, hidden_dim), nn.GELU(),
            nn.Linear(hidden_dim, hidden_dim), nn.GELU(),
            nn.Linear(hidden_dim, bottleneck_dim),
        )
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
        self.last_layer = nn.Parameter(torch.empty(out_dim, bottleneck_dim))
        nn.init.kaiming_uniform_(self.last_layer, a=5**0.5)  # nn.Linear's default init

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.normalize(self.mlp(x), dim=-1)
        return F.linear(x, F.normalize(self.last_layer, dim=-1))


class DINOLoss(nn.Module):
    """Cross-entropy between the teacher's centred, sharpened softmax on the global crops and the student's
    softmax on every other crop; the centre is an EMA of the teacher's batch mean (it prevents collapse onto
    one dimension while sharpening prevents collapse onto the uniform distribution)."""

    def __init__(self, out_dim: int, student_temp: float = 0.1, center_momentum: float = 0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.register_buffer("center", torch.zeros(1, out_dim))

    def forward(self, student_out: list[torch.Tensor], teacher_out: list[torch.Tensor], teacher_temp: float
                ) -> torch.Tensor:
        """student_out: logits per crop (globals first); teacher_out: logits of the global crops."""
        targets = [F.softmax((t - self.center) / teacher_temp, dim=-1).detach() for t in teacher_out]
        log_probs = [F.log_softmax(s / self.student_temp, dim=-1) for s in student_out]
        total, pairs = 0.0, 0
        for iq, target in enumerate(targets):
            for v, log_p in enumerate(log_probs):
                if v == iq:  # a view is never its own target
                    continue
                total = total + (-target * log_p).sum(dim=-1).mean()
                pairs += 1
        self.update_center(torch.cat(teacher_out))
        return total / pairs

    @torch.no_grad()
    def update_center(self, teacher_logits: torch.Tensor) -> None:
        batch_center = teacher_logits.mean(dim=0, keepdim=True)
        self.center.mul_(self.center_momentum).add_(batch_center, alpha=1 - self.center_momentum)


class MultiCropWrapper(nn.Module):
    """Backbone CLS feature of every crop, then the head; crops of one size go through the backbone together."""

    def __init__(self, backbone: nn.Module, head: DINOHead):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, crops: list[torch.Tensor]) -> list[torch.Tensor]:
        feats, start = [], 0
        while start < len(crops):
            end = start
            while end < len(crops) and crops[end].shape == crops[start].shape:
                end += 1
            cls, _, _ = self.backbone(torch.cat(crops[start:end]))
            feats.append(cls)
            start = end
        logits = self.head(torch.cat(feats))
        return list(logits.chunk(len(crops)))
