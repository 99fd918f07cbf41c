"""Benchmark results in the shape training.benchmarks writes, for tests of the promotion guard.

The shipped version fails some concentration limits (its model card lists them); tests of the
promotion path give their candidate versions results that meet every limit unless told otherwise.
"""

from __future__ import annotations

import json
from typing import Any


def _ci(mean: float, low: float, high: float) -> dict[str, float]:
    return {"mean": mean, "ci_low": low, "ci_high": high}


def _conc(distinct: int, never: int, share: float) -> dict[str, Any]:
    return {"distinct": distinct, "never_shown": never, "top_share": share, "top_item": "Welders"}


def benchmarks(
    *,
    fit_hit_diff: tuple[float, float] = (0.02, 0.08),
    served_distinct: int = 700,
    served_top_share: float = 0.08,
    structure_never: int = 80,
    structure_top_share: float = 0.03,
    fit_ndcg: float = 0.30,
) -> dict[str, Any]:
    """Benchmark results in the shape training.benchmarks writes, meeting every limit unless
    told otherwise."""
    systems = ("served", "fit_only", "congruence", "popularity", "random")
    table = {
        "systems": {s: _ci(0.4, 0.38, 0.42) for s in systems},
        "vs_congruence": {s: _ci(0.05, 0.02, 0.08) for s in systems if s != "congruence"},
    }
    hit = json.loads(json.dumps(table))
    hit["vs_congruence"]["fit_only"] = _ci(sum(fit_hit_diff) / 2, *fit_hit_diff)
    field = {
        "hit@10": dict.fromkeys(systems, 0.5),
        "expected_random": {"hit@10": 0.3},
    }
    similar = {"systems": {"fit_only": _ci(fit_ndcg, 0, 1), "interest_cosine": _ci(0.2, 0, 1)}}
    return {
        "people": {
            "metrics": {"hit@10": hit, "mrr": table},
            "fields": {"psychology": field, "law": json.loads(json.dumps(field))},
            "concentration": {
                "served": _conc(served_distinct, 100, served_top_share),
                "fit_only": _conc(700, 100, 0.08),
                "congruence": _conc(800, 100, 0.25),
            },
        },
        "structure": {
            "similar": {"ndcg@10": similar},
            "concentration": {
                "served": _conc(800, structure_never, structure_top_share),
                "fit_only": _conc(800, 80, 0.03),
            },
        },
    }
