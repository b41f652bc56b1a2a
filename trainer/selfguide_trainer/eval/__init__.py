"""Evaluation of generated images (SPEC §7): metrics in a given feature space, the Fashion-MNIST feature space
(a classifier the tool trains itself), self-labels recomputed on samples, and the `repro` command."""
