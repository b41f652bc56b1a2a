"""Named ViT sizes. `input_size` is the resolution the position embeddings were trained at."""

from dataclasses import asdict, dataclass

from .model import VisionTransformer


@dataclass(frozen=True)
class ViTConfig:
    embed_dim: int
    depth: int
    num_heads: int
    patch_size: int
    input_size: int
    mlp_ratio: float = 4.0

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, ViTConfig] = {
    # The official DINO backbones (dino_deitsmall16_pretrain.pth, dino_vitbase16_pretrain.pth).
    "vit_s16": ViTConfig(embed_dim=384, depth=12, num_heads=6, patch_size=16, input_size=224),
    "vit_b16": ViTConfig(embed_dim=768, depth=12, num_heads=12, patch_size=16, input_size=224),
    # Same input contract as vit_s16 (224 px, patch 16) at a few hundred KB: the test fixture.
    "vit_tiny16": ViTConfig(embed_dim=64, depth=2, num_heads=4, patch_size=16, input_size=224),
    # Trains with DINO on a 2-core CPU: 28 px Fashion-MNIST-sized images, 7x7 patches, < 5 MB as ONNX.
    "vit_micro4": ViTConfig(embed_dim=128, depth=5, num_heads=4, patch_size=4, input_size=28),
    # A few steps of DINO in a unit test: 16 px, 4x4 patches.
    "vit_nano4": ViTConfig(embed_dim=48, depth=2, num_heads=3, patch_size=4, input_size=16),
}


def build_vit(config: ViTConfig | str) -> VisionTransformer:
    if isinstance(config, str):
        if config not in PRESETS:
            raise ValueError(f"unknown ViT preset {config!r}; choose one of {sorted(PRESETS)}")
        config = PRESETS[config]
    return VisionTransformer(**config.to_dict())
