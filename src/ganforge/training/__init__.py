"""Training: the loop, checkpoints, objectives, EMA and logging."""
