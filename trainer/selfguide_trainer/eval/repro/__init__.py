"""`python -m selfguide_trainer repro fmnist`: the paper's Fashion-MNIST claims at small scale (SPEC §7)."""
