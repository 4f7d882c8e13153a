"""Evaluation: feature extractors, statistics and the metrics of METRICS.md."""
