"""`ganforge demo` ends with the report of its run and prints where it is."""

from ganforge.cli import main


def test_demo_writes_and_prints_its_report(tmp_path, capsys):
    run_dir = tmp_path / "demo"
    assert main(["demo", "--steps", "10", "--no-eval", "--no-progress", "--run-dir", str(run_dir)]) == 0
    report = run_dir / "report.html"
    assert f"report:        {report}" in capsys.readouterr().out
    page = report.read_text()
    # 10 steps log no line (train.log_every is 50) but the final grid is there
    assert "demo: final samples, step 10" in page and page.count("data:image/png;base64,") == 1
