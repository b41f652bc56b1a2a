"""Training data: the app's JSON-lines manifest and the built-in Fashion-MNIST source."""
