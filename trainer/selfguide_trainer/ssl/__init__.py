"""Self-supervised encoder pretraining (DINO recipe) and its evaluation (k-NN accuracy, k-means NMI)."""
