"""Best and final value of every metric evaluated during training, runs side by side."""

from __future__ import annotations

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built
from ganforge.report.series import LOWER_IS_BETTER, best_and_final, metric_curve, metric_keys

NO_METRICS = ('<p class="note">No metrics yet: <code>RUN/metrics.jsonl</code> is written when a run '
              "evaluates during training (<code>eval.every=N</code>), or with "
              "<code>ganforge eval --fake RUN</code> afterwards.</p>")


def all_metric_keys(runs: list[Run]) -> list[str]:
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(metric_keys(run.metrics)))
    return list(keys)


def build(runs: list[Run]) -> Built:
    keys = all_metric_keys(runs)
    if not keys:
        return Built(NO_METRICS, {})
    data: dict[str, dict[str, dict]] = {}
    rows = []
    for key in keys:
        row = [f"{key} ({'lower' if key in LOWER_IS_BETTER else 'higher'} is better)"]
        for run in runs:
            curve = metric_curve(run.metrics, key)
            if curve is None:
                row += ["—", "—"]
                continue
            values = best_and_final(curve, key)
            data.setdefault(run.label, {})[key] = values
            row += [f"{html.number(values['best'])} @ {values['best_step']:,}",
                    f"{html.number(values['final'])} @ {values['final_step']:,}"]
        rows.append(row)
    header = ["metric"] + [f"{run.label} {which}" for run in runs for which in ("best", "final")]
    missing = [run.label for run in runs if not run.metrics]
    note = f'<p class="note">No metrics yet for: {html.escape(", ".join(missing))}.</p>' if missing else ""
    for run in runs:
        if run.best and {"metric", "value", "step"} <= set(run.best):
            note += (f'<p class="note">{html.escape(run.label)}: checkpoints/best.ckpt holds step '
                     f'{run.best["step"]:,} ({html.escape(run.best["metric"])} {html.number(run.best["value"])}).</p>')
    return Built(html.table(header, rows) + note, data)
