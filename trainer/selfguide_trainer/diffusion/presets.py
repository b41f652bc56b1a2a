"""Named UNet sizes. `paper64` is the paper's 64 px model (SPEC §5); `tiny` trains on a 2-core CPU."""

from __future__ import annotations

from .unet import UNetConfig

PRESETS: dict[str, dict] = {
    # ~0.8M parameters, minutes on 2 CPU cores at 32 px: attention only in the middle block (16×16)
    "tiny": dict(model_channels=32, channel_mult=[1, 2], num_res_blocks=1, attention_ds=[], num_heads=4),
    # ~10M parameters: a laptop GPU, or a CPU overnight
    "small": dict(model_channels=64, channel_mult=[1, 2, 2], num_res_blocks=2, attention_ds=[4], num_heads=4),
    # the paper's 64 px UNet: 128 ch, [1,2,4], 2 res blocks, attention at downsample 4 and 8, 8 heads
    "paper64": dict(model_channels=128, channel_mult=[1, 2, 4], num_res_blocks=2, attention_ds=[4, 8], num_heads=8),
}


def unet_config(preset: str, image_channels: int, vector_dim: int, layout_channels: int, dropout: float = 0.0) -> UNetConfig:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    return UNetConfig(image_channels=image_channels, vector_dim=vector_dim, layout_channels=layout_channels,
                      dropout=dropout, **PRESETS[preset])
