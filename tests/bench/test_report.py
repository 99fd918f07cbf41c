"""The wrk output parser and the README Figures section writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.http import parse_wrk
from bench.report import update_readme

WRK = """Running 3s test @ http://127.0.0.1:1/
  1 threads and 16 connections
  Latency Distribution
     50%   53.96ms
     75%  131.68ms
     90%    1.20s
     99%  900.00us
  947 requests in 3.01s, 30.00MB read
  Non-2xx or 3xx responses: 4
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:    314.62
"""


def test_parse_wrk_reads_rate_units_and_errors() -> None:
    got = parse_wrk(WRK)
    assert got["rps"] == pytest.approx(314.62)
    assert got["requests"] == 947
    assert got["p50_ms"] == pytest.approx(53.96)
    assert got["p90_ms"] == pytest.approx(1200.0)
    assert got["p99_ms"] == pytest.approx(0.9)
    assert got["non_2xx"] == 4
    assert got["socket_errors"] == 3


def test_parse_wrk_refuses_unreadable_output() -> None:
    with pytest.raises(ValueError, match="unreadable wrk output"):
        parse_wrk("connection refused")


def test_update_readme_replaces_only_the_figures_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# P\n\nintro\n\n## Figures\n\nold table\n\n## Later\n\nkept\n")
    update_readme(tmp_path / "no-results", readme)
    text = readme.read_text()
    assert "old table" not in text
    assert text.startswith("# P\n\nintro\n\n## Figures\n")
    assert text.endswith("## Later\n\nkept\n")
    assert text.count("## Figures") == 1


def _http_variant(rps: float, cpu: float) -> dict[str, object]:
    figures = {"rps": rps, "p50_ms": 10.0, "p99_ms": 40.0, "server_cpu_ms_per_request": cpu}
    return {
        "workers": 1,
        "recommendations": {**figures, "share_of_ceiling_rps": 0.25},
        "what_if": {**figures, "share_of_ceiling_rps": 0.05},
        "livez": {"rps": 2000.0, "p99_ms": 5.0},
    }


def test_a_baseline_measured_in_the_same_run_gets_its_own_rows(tmp_path: Path) -> None:
    import json

    from bench.report import build_rows

    result = {
        "variants": [_http_variant(500.0, 2.0)],
        "baseline": {"ref": "abc1234", "commit": "abc1234", **_http_variant(200.0, 5.0)},
    }
    (tmp_path / "http.json").write_text(json.dumps({"result": result}))
    rows = build_rows(tmp_path)
    before = [r for r in rows if "abc1234" in r[0]]
    assert [r[0] for r in before] == [
        "… before, at abc1234 (stored), same run, 1 worker",
        "… before, at abc1234 (what-if), same run, 1 worker",
    ]
    assert before[0][1].startswith("200/s") and "5.0 CPU-ms/req" in before[0][1]
    assert any(r[1].startswith("500/s") and r[3] == "met" for r in rows)


def test_startup_rows_check_the_served_figure_and_show_the_baseline(tmp_path: Path) -> None:
    import json

    from bench.report import build_rows

    starts = {
        "runs": 5,
        "serve_start_to_first_recommendation_s_median": 1.8,
        "server_cpu_s_to_first_recommendation_median": 1.5,
        "load_average_1min_at_each_start": [1.0, 1.2],
    }
    service = {
        **starts,
        "worker_rss_mb": 150.0,
        "baseline_starts": {
            **starts,
            "ref": "abc1234",
            "serve_start_to_first_recommendation_s_median": 2.6,
        },
    }
    in_process = {"import_load_recommend_s_median": 3.5, "process_wall_s_median": 4.0}
    result = {"service": service, "in_process": in_process}
    (tmp_path / "startup.json").write_text(json.dumps({"result": result}))
    rows = build_rows(tmp_path)
    served = next(r for r in rows if r[0].startswith("`pathways serve`"))
    assert served[1].startswith("1.8 s") and served[3] == "met"  # not the in-process 3.5 s
    before = [r for r in rows if "abc1234" in r[0]]
    assert len(before) == 1 and before[0][1].startswith("2.6 s, median of 5")
