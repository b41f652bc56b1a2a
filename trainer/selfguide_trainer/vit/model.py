"""ViT with the parameter names of DINO's `vision_transformer.py` (and timm), so official checkpoints load 1:1.

`forward` returns the three feature maps the app consumes (SPEC §1):
  cls     [B, D]     CLS token after the final LayerNorm
  patches [B, N, D]  last-block patch tokens after the final LayerNorm
  keys    [B, N, D]  keys of the last block's attention, heads concatenated, CLS row dropped (LOST input)
Any input size works: the position embeddings are resampled to the patch grid of the input.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

LAYER_NORM_EPS = 1e-6  # DINO's partial(nn.LayerNorm, eps=1e-6)


class PatchEmbed(nn.Module):
    def __init__(self, patch_size: int, embed_dim: int):
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)  # [B, D, h, w]; the caller flattens after reading h, w


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (output [B, T, D], keys [B, T, D] with heads concatenated as LOST reads them)."""
        B, T, D = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.num_heads, D // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [B, heads, T, head_dim]
        # Written out rather than F.scaled_dot_product_attention: exports to plain ONNX ops on every opset.
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(B, T, D)
        keys = k.transpose(1, 2).reshape(B, T, D)
        return self.proj(out), keys


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, keys = self.attn(self.norm1(x))
        x = x + y
        x = x + self.mlp(self.norm2(x))
        return x, keys


class VisionTransformer(nn.Module):
    def __init__(self, embed_dim: int, depth: int, num_heads: int, patch_size: int, input_size: int,
                 mlp_ratio: float = 4.0):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        if input_size % patch_size:
            raise ValueError(f"input_size {input_size} is not a multiple of patch_size {patch_size}")
        self.embed_dim, self.patch_size, self.input_size = embed_dim, patch_size, input_size
        self.grid = input_size // patch_size  # side of the square grid pos_embed was trained on
        self.patch_embed = PatchEmbed(patch_size, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid**2, embed_dim))
        self.blocks = nn.ModuleList(Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dim, eps=LAYER_NORM_EPS)
        self._init_weights()

    def _init_weights(self) -> None:
        # DINO's init: truncated normal (std 0.02) for tokens and linears, LayerNorm at identity.
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def position_embedding(self, h: int, w: int) -> torch.Tensor:
        """pos_embed resampled (bicubic) to an h x w patch grid: [1, 1 + h*w, D].

        Always resamples, also when (h, w) equals the trained grid: bicubic at scale 1 is the identity,
        and a shape-independent graph is what lets the ONNX export keep H and W dynamic.
        """
        cls_pos, grid_pos = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        grid_pos = grid_pos.reshape(1, self.grid, self.grid, self.embed_dim).permute(0, 3, 1, 2)
        grid_pos = F.interpolate(grid_pos, size=(h, w), mode="bicubic", align_corners=False)
        return torch.cat([cls_pos, grid_pos.flatten(2).transpose(1, 2)], dim=1)

    def tokens(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All blocks; returns (final-normed tokens [B, 1+N, D], last block's keys [B, 1+N, D])."""
        x = self.patch_embed(x)
        h, w = x.shape[-2], x.shape[-1]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x.flatten(2).transpose(1, 2)], dim=1)
        x = x + self.position_embedding(h, w)
        keys = x  # replaced by every block; only the last block's survive
        for block in self.blocks:
            x, keys = block(x)
        return self.norm(x), keys

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tokens, keys = self.tokens(pixels)
        return tokens[:, 0], tokens[:, 1:], keys[:, 1:]

    def grid_size(self, height: int, width: int) -> tuple[int, int]:
        """Patch grid (rows, cols) for an input of this size (the conv floors partial patches)."""
        return height // self.patch_size, width // self.patch_size

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def sqrt_int(n: int) -> int:
    side = math.isqrt(n)
    if side * side != n:
        raise ValueError(f"{n} position embeddings do not form a square grid")
    return side
