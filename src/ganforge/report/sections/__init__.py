"""The report's sections, in page order. A new kind of run adds one module and one line here."""

from __future__ import annotations

from ganforge.report.sections import (
    config,
    curves,
    metric_curves,
    metric_table,
    overview,
    prompts,
    samples,
    training_images,
    translation,
)
from ganforge.report.sections.base import Built, Section

SECTIONS: dict[str, Section] = {
    "runs": Section("Runs", overview.build),
    "config": Section("Config", config.build),
    "metrics-table": Section("Best and final metrics", metric_table.build),
    "losses": Section("Losses", curves.group_section(curves.LOSSES, "No log lines yet (log.jsonl is empty).")),
    "discriminator": Section("D(real) and D(fake)", curves.group_section(curves.DISCRIMINATOR)),
    "metrics": Section("Metrics over training", metric_curves.build),
    "final-samples": Section("Final samples", samples.final),
    "samples": Section("Samples over training", samples.over_training),
    "translation": Section("Input | output | target", translation.build),
    "prompts": Section("Prompts", prompts.build),
    "learning-rates": Section("Learning rates", curves.group_section(curves.LEARNING_RATES)),
    "speed": Section("Speed", curves.group_section(curves.SPEED)),
    "gradients": Section("Gradient norms", curves.group_section(curves.GRADIENTS)),
    "other": Section("Other logged values", curves.other_values),
    "training-images": Section("Training images (mark them for the next data filter)", training_images.build),
}

__all__ = ["SECTIONS", "Built", "Section"]
