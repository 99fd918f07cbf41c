"""Hypothesis strategies shared by the test suite (one module for all of them)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from recommender.aptitude_items import SUBTESTS
from recommender.dimensions import PLANS
from recommender.instrument import Instrument, LikertSection

#: Seeds the server may hold for an aptitude subtest.
seeds = st.integers(min_value=0, max_value=2**63 - 1)
subtests = st.sampled_from(SUBTESTS)
item_indexes = st.integers(min_value=0, max_value=199)


@st.composite
def likert_answers(draw: st.DrawFn, section: LikertSection) -> dict[str, int]:
    """Ratings for a section: every scale gets at least its minimum, some items may be skipped."""
    out: dict[str, int] = {}
    for scale in section.scales:
        ids = list(section.item_ids(scale))
        keep = draw(st.integers(section.min_answered_per_scale, len(ids)))
        chosen = draw(st.permutations(ids))[:keep]
        for item_id in chosen:
            out[item_id] = draw(st.integers(section.scale_min, section.scale_max))
    return out


@st.composite
def aptitude_block(draw: st.DrawFn, n_issued: int, n_options: int = 2) -> dict[str, Any]:
    """A stored aptitude block: a seed, the count issued, and answers to some of the items.

    Answers are drawn below ``n_options`` (2 fits every item of every subtest).
    """
    answered = draw(st.sets(st.integers(0, n_issued - 1), min_size=3, max_size=n_issued))
    return {
        "seed": draw(seeds),
        "issued": n_issued,
        "responses": {str(i): draw(st.integers(0, n_options - 1)) for i in sorted(answered)},
    }


@st.composite
def stored_answers(draw: st.DrawFn, instrument: Instrument) -> dict[str, Any]:
    """Complete-enough stored answers for an instrument (valid by construction)."""
    records: dict[str, Any] = {}
    for field in instrument.records:
        if draw(st.booleans()):
            if field.integer:
                records[field.id] = draw(st.integers(int(field.minimum), int(field.maximum)))
            else:
                records[field.id] = draw(
                    st.floats(field.minimum, field.maximum, allow_nan=False).map(
                        lambda v: round(v, 2)
                    )
                )
    aptitude = {}
    for subtest in instrument.subtests:
        if draw(st.booleans()):
            aptitude[subtest.id] = draw(aptitude_block(subtest.items))
    return {
        "instrument_version": instrument.version,
        "interests": draw(likert_answers(instrument.interests)),
        "values": draw(likert_answers(instrument.values)),
        "records": records,
        "aptitude": aptitude,
        "plan": draw(st.sampled_from(PLANS)),
        "county_fips": draw(st.none() | st.sampled_from(sorted(instrument.counties))),
        "will_commute": draw(st.booleans()),
        "will_relocate": draw(st.booleans()),
    }
