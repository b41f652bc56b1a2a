"""Self-guided diffusion: ADM UNet, DDPM training, DDIM sampling with guidance, ONNX export (SPEC §5, §6)."""
