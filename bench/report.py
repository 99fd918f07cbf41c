"""The Figures table: read bench/results/*.json and write README.md's "Figures" section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench._common import REPO
from recommender.files import READABLE, write_atomic

HEADING = "## Figures"


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data if "result" in data else None


def _yes(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def build_rows(folder: Path) -> list[tuple[str, str, str, str]]:
    """(measure, figure, target, verdict) rows from the result files present."""
    rows: list[tuple[str, str, str, str]] = []
    rec = _load(folder, "recommend")
    if rec:
        v = rec["result"]["variants"]
        for name in ("onnx", "sklearn", "numpy"):
            s = v[name]
            rows.append(
                (
                    f"one recommendation in-process, {name}",
                    f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms ({s['x_numpy_p50']}x numpy)",
                    "p50 ≤ 5 ms, p99 ≤ 10 ms" if name == "onnx" else "",
                    _yes(s["p50_ms"] <= 5 and s["p99_ms"] <= 10) if name == "onnx" else "",
                )
            )
        st = rec["result"]["onnx_stages"]
        parts = ", ".join(
            f"{k} {st[k]['p50_ms']}" for k in ("features", "fit_scoring", "ranking", "reasons")
        )
        rows.append(("… stages of the served path (p50 ms)", parts, "", ""))
    http = _load(folder, "http")
    if http:
        for var in http["result"]["variants"]:
            w = var["workers"]
            for key, label in (("recommendations", "stored"), ("what_if", "what-if")):
                s = var[key]
                ok = s["rps"] >= 300 and (s["p99_ms"] or 1e9) <= 50
                rows.append(
                    (
                        f"HTTP recommendations ({label}), {w} worker(s), 16 conn.",
                        f"{s['rps']:.0f}/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
                        f"{s['server_cpu_ms_per_request']} CPU-ms/req, "
                        f"{s['share_of_ceiling_rps']:.0%} of /livez",
                        "≥ 300/s, p99 ≤ 50 ms" if key == "recommendations" else "",
                        _yes(ok) if key == "recommendations" else "",
                    )
                )
            s = var["livez"]
            rows.append(
                (
                    f"HTTP /livez ceiling, {w} worker(s)",
                    f"{s['rps']:.0f}/s, p99 {s['p99_ms']} ms",
                    "",
                    "",
                )
            )
        before = http["result"].get("baseline")
        if before:
            for key, label in (("recommendations", "stored"), ("what_if", "what-if")):
                s = before[key]
                rows.append(
                    (
                        f"… before, at {before['commit']} ({label}), same run, 1 worker",
                        f"{s['rps']:.0f}/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
                        f"{s['server_cpu_ms_per_request']} CPU-ms/req, "
                        f"{s['share_of_ceiling_rps']:.0%} of /livez",
                        "",
                        "",
                    )
                )
    cls = _load(folder, "class_submit")
    if cls:
        for var in cls["result"]["variants"]:
            if "error" in var:
                rows.append((f"class of 30 submits, {var['database']}", var["error"], "", ""))
                continue
            lat = var["latency"]
            rows.append(
                (
                    f"class of 30 submits in 1 s, {var['database']}",
                    f"{var['stored']}/30 stored, p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms",
                    "none lost, p99 ≤ 500 ms",
                    _yes(var["lost"] == 0 and lat["p99_ms"] <= 500),
                )
            )
    saves = _load(folder, "answer_saves")
    if saves:
        result = saves["result"]
        runs = [("", result["variants"])]
        if "baseline" in result:
            before = result["baseline"]
            runs.append((f" before, at {before['ref']}", before["variants"]))
        for label, variants in runs:
            for n, var in enumerate(variants, start=1):
                lat = var["latency"]
                rows.append(
                    (
                        f"16 clients saving answers, sqlite{label}, run {n}",
                        f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, "
                        f"{var['timeouts']} timeout(s), {var['lost']} lost, "
                        f"{var['saves_per_s']} saves/s",
                        "p99 ≤ 250 ms, no timeouts" if not label else "",
                        _yes(lat["p99_ms"] <= 250 and var["timeouts"] == 0) if not label else "",
                    )
                )
    up = _load(folder, "startup")
    if up:
        r = up["result"]
        s = r["service"]
        first = s.get("serve_start_to_first_recommendation_s_median")
        if first is None:  # a result file from before the subprocess median was measured
            first = s["serve_start_to_first_recommendation_s"]
        loads = s.get("load_average_1min_at_each_start")
        cpu = s.get("server_cpu_s_to_first_recommendation_median")
        rows.append(
            (
                "`pathways serve` on an empty database to first recommendation",
                f"{first} s, median of {s.get('runs', 1)} (migrate, seed, sign-in)"
                + (f", server CPU {cpu} s" if cpu is not None else "")
                + (f"; 1-min load {min(loads)}-{max(loads)}" if loads else ""),
                "≤ 2 s",
                _yes(first <= 2),
            )
        )
        before = s.get("baseline_starts")
        if before:
            rows.append(
                (
                    f"… before, at {before['ref']}, same run (alternating starts)",
                    f"{before['serve_start_to_first_recommendation_s_median']} s, median of "
                    f"{before['runs']}, server CPU "
                    f"{before['server_cpu_s_to_first_recommendation_median']} s",
                    "",
                    "",
                )
            )
        t = r["in_process"]["import_load_recommend_s_median"]
        rows.append(
            (
                "… in-process: import, load, recommend",
                f"{t} s (process wall {r['in_process']['process_wall_s_median']} s)",
                "",
                "",
            )
        )
        rows.append(
            (
                "resident memory per worker",
                f"{s['worker_rss_mb']} MB",
                "≤ 200 MB",
                _yes(s["worker_rss_mb"] <= 200),
            )
        )
        size = r.get("install")
        if size:
            rows.append(
                (
                    "install size (site-packages), service / with `[train]`",
                    f"{size['service_mb']} MB / {size['with_train_mb']} MB",
                    "",
                    "",
                )
            )
    year = _load(folder, "yearly")
    if year:
        r = year["result"]
        b = r["catalogue_build"]["seconds"]
        rows.append(
            (
                "catalogue build",
                f"{b} s" if b else "skipped",
                "≤ 60 s",
                _yes(None if b is None else b <= 60),
            )
        )
        tr = r["training"]
        full = tr["rows"] >= 1_000_000
        rows.append(
            (
                f"fit on {tr['rows']:,} pair rows (float32)",
                f"{tr['fit_s']} s (cohort {tr['cohort_s']} s, features {tr['features_s']} s)",
                "≤ 90 s on 1M rows",
                _yes(tr["fit_s"] <= 90) if full else "—",
            )
        )
        p = tr["parity"]
        rows.append(
            (
                "ONNX export and parity check",
                f"export {tr['export_s']} s, parity {tr['parity_s']} s on {p['rows']:,} rows, "
                f"max diff {p['max_abs_diff']:.1e}",
                "parity passes",
                _yes(p["passed"]),
            )
        )
    return rows


def render_section(folder: Path) -> str:
    """The Markdown of the Figures section."""
    machine = None
    loads = []
    for name in ("recommend", "http", "class_submit", "answer_saves", "startup", "yearly"):
        data = _load(folder, name)
        if data:
            machine = machine or data["machine"]
            loads.append(f"{name} {data['load_average_before'][0]}")
    lines = [
        HEADING,
        "",
        "Measured by `.venv/bin/python -m bench` (see [bench/README.md](bench/README.md)); "
        "single-threaded maths (one OpenMP and one ONNX Runtime thread per process).",
    ]
    if machine:
        lines.append(
            f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, "
            f"Python {machine['python']}. 1-minute load average at the start of each benchmark: "
            f"{', '.join(loads)} (other programs were running)."
        )
    lines += ["", "| measure | figure | target | verdict |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in build_rows(folder)]
    return "\n".join(lines) + "\n"


def update_readme(folder: Path, readme: Path = REPO / "README.md") -> None:
    """Replace (or append) the Figures section of README.md, leaving every other section as is."""
    text = readme.read_text(encoding="utf-8")
    section = render_section(folder)
    start = text.find(f"\n{HEADING}\n")
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + 1)
        tail = "" if nxt == -1 else text[nxt:]
        new = text[: start + 1] + section + tail
    write_atomic(readme, new, mode=READABLE)


if __name__ == "__main__":
    from bench._common import RESULTS_DIR

    update_readme(RESULTS_DIR)
