"""CLI commands of the diffusion trainer: train, export, sample."""
