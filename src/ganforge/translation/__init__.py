"""Image-to-image translation around the training core: hints, inference, metrics, evaluation."""
