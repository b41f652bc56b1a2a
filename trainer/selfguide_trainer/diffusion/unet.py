"""ADM-style UNet (Dhariwal & Nichol) with the self-guided conditioning of SPEC §5.

Image-level condition: cond MLP Linear(k, 2c)–SiLU–Linear(2c, 2c), concatenated to the time embedding.
Spatial condition (box/mask): layout channels concatenated to x_t, cond MLP output (width of the time
embedding) added to it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class UNetConfig:
    image_channels: int = 3
    model_channels: int = 128
    channel_mult: list[int] = field(default_factory=lambda: [1, 2, 4])
    num_res_blocks: int = 2
    attention_ds: list[int] = field(default_factory=lambda: [4, 8])  # downsample factors with self-attention
    num_heads: int = 8
    dropout: float = 0.0
    vector_dim: int = 0  # 0: unconditional
    layout_channels: int = 0  # > 0: spatial conditioning

    def to_dict(self) -> dict:
        return asdict(self)


def norm_groups(channels: int) -> int:
    """GroupNorm(32) as in ADM; for narrow layers (< 64 channels) the largest group count that keeps at
    least 2 channels per group, so a 32-channel tiny model does not degrade to per-channel (instance) norm."""
    groups = min(32, max(1, channels // 2))
    while channels % groups:
        groups -= 1
    return groups


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(norm_groups(channels), channels)


def zero_init(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [cos | sin] of (possibly fractional) timesteps t [B]."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    """GN–SiLU–conv, then GN with scale-shift from the embedding, SiLU, dropout, zero-init conv."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float):
        super().__init__()
        self.in_layers = nn.Sequential(group_norm(in_ch), nn.SiLU(), nn.Conv2d(in_ch, out_ch, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * out_ch))
        self.out_norm = group_norm(out_ch)
        self.out_layers = nn.Sequential(nn.SiLU(), nn.Dropout(dropout), zero_init(nn.Conv2d(out_ch, out_ch, 3, padding=1)))
        self.skip = nn.Identity() if in_ch == out_ch else nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.in_layers(x)
        scale, shift = self.emb_layers(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.out_norm(h) * (1 + scale) + shift
        return self.skip(x) + self.out_layers(h)


class AttentionBlock(nn.Module):
    """Multi-head self-attention over the H·W positions, zero-init output projection."""

    def __init__(self, channels: int, num_heads: int):
        super().__init__()
        if channels % num_heads:
            raise ValueError(f"{channels} channels do not split into {num_heads} heads")
        self.num_heads = num_heads
        self.norm = group_norm(channels)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj = zero_init(nn.Conv1d(channels, channels, 1))

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x).reshape(b, c, h * w))  # [B, 3C, N]
        q, k, v = qkv.reshape(b, 3, self.num_heads, c // self.num_heads, h * w).unbind(1)  # [B, heads, C/heads, N]
        # plain matmul–softmax (as ADM): on CPU it beats SDPA's math path and exports to ONNX as-is
        scale = (c // self.num_heads) ** -0.25  # on q and k separately: cheaper than scaling the N×N logits
        weights = torch.softmax(torch.einsum("bhcn,bhcm->bhnm", q * scale, k * scale), dim=-1)
        out = torch.einsum("bhnm,bhcm->bhcn", weights, v).reshape(b, c, h * w)
        return x + self.proj(out).reshape(b, c, h, w)


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x, emb=None):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, emb=None):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Sequential):
    """A sequence of blocks that all receive the embedding."""

    def forward(self, x, emb):
        for block in self:
            x = block(x, emb) if isinstance(block, (ResBlock, AttentionBlock, Downsample, Upsample)) else block(x)
        return x


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        c = config.model_channels
        time_dim = 4 * c
        self.time_embed = nn.Sequential(nn.Linear(c, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        emb_dim = time_dim
        self.cond_mlp = None
        if config.vector_dim > 0:
            cond_out = time_dim if config.layout_channels > 0 else 2 * c
            self.cond_mlp = nn.Sequential(nn.Linear(config.vector_dim, 2 * c), nn.SiLU(), nn.Linear(2 * c, cond_out))
            if config.layout_channels == 0:
                emb_dim = time_dim + cond_out  # concatenated (image-level); added when spatial

        def res(i, o):
            return ResBlock(i, o, emb_dim, config.dropout)

        def attn(ch):
            return AttentionBlock(ch, config.num_heads)

        in_ch = config.image_channels + config.layout_channels
        self.input_blocks = nn.ModuleList([Level(nn.Conv2d(in_ch, c, 3, padding=1))])
        skip_channels, ch, ds = [c], c, 1
        for level, mult in enumerate(config.channel_mult):
            for _ in range(config.num_res_blocks):
                blocks = [res(ch, mult * c)]
                ch = mult * c
                if ds in config.attention_ds:
                    blocks.append(attn(ch))
                self.input_blocks.append(Level(*blocks))
                skip_channels.append(ch)
            if level != len(config.channel_mult) - 1:
                self.input_blocks.append(Level(Downsample(ch)))
                skip_channels.append(ch)
                ds *= 2
        self.middle_block = Level(res(ch, ch), attn(ch), res(ch, ch))
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(config.channel_mult))):
            for i in range(config.num_res_blocks + 1):
                blocks = [res(ch + skip_channels.pop(), mult * c)]
                ch = mult * c
                if ds in config.attention_ds:
                    blocks.append(attn(ch))
                if level and i == config.num_res_blocks:
                    blocks.append(Upsample(ch))
                    ds //= 2
                self.output_blocks.append(Level(*blocks))
        self.out = nn.Sequential(group_norm(ch), nn.SiLU(), zero_init(nn.Conv2d(ch, config.image_channels, 3, padding=1)))

    def forward(self, x: torch.Tensor, t: torch.Tensor, vector: torch.Tensor | None = None, layout: torch.Tensor | None = None) -> torch.Tensor:
        """ε(x_t, t, c). t: [B] timesteps (float or int). vector: [B, k]. layout: [B, L, H, W]."""
        emb = self.time_embed(timestep_embedding(t, self.config.model_channels).to(x.dtype))
        if self.cond_mlp is not None:
            cond = self.cond_mlp(vector.to(emb.dtype))
            emb = emb + cond if self.config.layout_channels else torch.cat([emb, cond], dim=1)
        if self.config.layout_channels:
            x = torch.cat([x, layout.to(x.dtype)], dim=1)
        h, skips = x, []
        for level in self.input_blocks:
            h = level(h, emb)
            skips.append(h)
        h = self.middle_block(h, emb)
        for level in self.output_blocks:
            h = level(torch.cat([h, skips.pop()], dim=1), emb)
        return self.out(h)
