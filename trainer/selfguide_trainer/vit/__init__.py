"""Vision Transformer in the DINO/timm layout: model, presets, checkpoint loading, ONNX export."""

from .model import VisionTransformer
from .presets import PRESETS, ViTConfig, build_vit

__all__ = ["PRESETS", "ViTConfig", "VisionTransformer", "build_vit"]
