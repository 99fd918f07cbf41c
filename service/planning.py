"""A student's plan from the whole catalogue: search, one item's figures for the student, adding it.

The coach's find pages and the JSON API both call these functions. A plan lists up to
``MAX_PLAN_ITEMS`` codes, pathways and occupations alike (``Plan.chosen_pathways`` keeps them in
the order they were chosen; an occupation code looks like ``29-1141.00``). An item's figures and
reasons come from ``recommend_for_student`` ranking every pathway (or every occupation), the same
call and model as the ranked list, so they are the figures the list shows for it; nothing is
stored by looking.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.catalogue import Catalogue, get_catalogue
from recommender.errors import InvalidRecordError, RecordConflictError
from recommender.search import SearchHit, SearchIndex, build_search_index, search_catalogue
from service.recommending import ModelHolder, recommend_for_student
from service.tables import Plan, Student

#: Codes a plan holds at most (the plan form's limit).
MAX_PLAN_ITEMS: Final = 10
ITEM_KINDS: Final = ("pathway", "occupation")


@functools.lru_cache(maxsize=2)
def search_index(catalogue: Catalogue) -> SearchIndex:
    """The search index of a loaded catalogue, built once per catalogue object."""
    return build_search_index(catalogue)


def find_items(
    query: str, *, kinds: tuple[str, ...] = ITEM_KINDS, limit: int | None = 50
) -> tuple[SearchHit, ...]:
    """Pathways and occupations of the served catalogue matching ``query`` (recommender.search)."""
    return search_catalogue(search_index(get_catalogue()), query, kinds=kinds, limit=limit)


def item_kind(catalogue: Catalogue, code: str) -> str:
    """ "pathway" or "occupation" for a catalogue code; InvalidRecordError naming ``code``."""
    if any(p.code == code for p in catalogue.pathways):
        return "pathway"
    if code in catalogue.codes:
        return "occupation"
    raise InvalidRecordError("code", f"{code!r} is not a pathway or occupation of the catalogue")


def item_for_student(
    db: Session, holder: ModelHolder, student: Student, kind: str, code: str
) -> dict[str, Any]:
    """One pathway or occupation ranked for the student: {"result", "item", "rank", "of"}.

    ``result`` is ``recommend_for_student`` with every pathway (for a pathway) or every
    occupation (for an occupation) listed; ``item`` is that pathway's or occupation's entry and
    ``rank`` its 1-based place among ``of``. A what-if: nothing is stored.
    """
    catalogue = get_catalogue()
    if kind not in ITEM_KINDS or item_kind(catalogue, code) != kind:
        raise InvalidRecordError("code", f"{code!r} is not a {kind} of the catalogue")
    k = len(catalogue.pathways) if kind == "pathway" else len(catalogue.codes)
    result = recommend_for_student(db, holder, student, k=k)
    listed = result["pathways"] if kind == "pathway" else result["occupations"]
    for rank, entry in enumerate(listed, start=1):
        if entry["code"] == code:
            return {"result": result, "item": entry, "rank": rank, "of": len(listed)}
    # a pathway none of whose jobs has figures is not ranked; say so rather than invent a place
    return {"result": result, "item": None, "rank": None, "of": len(listed)}


def get_plan(db: Session, student_id: int) -> Plan | None:
    """The student's plan row, or None when none has been saved."""
    return db.execute(select(Plan).where(Plan.student_id == student_id)).scalar_one_or_none()


def save_plan(
    db: Session,
    student_id: int,
    *,
    chosen: list[str],
    next_steps: list[str],
    notes: str,
    by_user: int | None,
    now: datetime,
) -> Plan:
    """Replace the student's plan (made if none) with these items, steps and notes; the caller
    checks and tidies them (``check_plan_codes``) and commits. The coach page and PUT /plan."""
    plan = get_plan(db, student_id)
    if plan is None:
        plan = Plan(student_id=student_id)
        db.add(plan)
    plan.chosen_pathways = chosen
    plan.next_steps = next_steps
    plan.notes = notes
    plan.updated_by = by_user
    plan.updated_at = now
    db.flush()
    return plan


def check_plan_codes(catalogue: Catalogue, codes: list[str]) -> list[str]:
    """``codes`` without repeats, each a pathway or occupation code (InvalidRecordError else)."""
    unique = list(dict.fromkeys(codes))
    for code in unique:
        item_kind(catalogue, code)
    if len(unique) > MAX_PLAN_ITEMS:
        raise InvalidRecordError("chosen", f"a plan holds at most {MAX_PLAN_ITEMS} items")
    return unique


def add_to_plan(
    db: Session, student: Student, code: str, *, by_user: int | None, now: datetime
) -> tuple[Plan, bool]:
    """Add a pathway or occupation to the student's plan (made if none); (plan, True if added).

    Adding an item already in the plan changes nothing; a full plan is a RecordConflictError.
    The caller commits.
    """
    item_kind(get_catalogue(), code)
    plan = get_plan(db, student.id)
    if plan is None:
        plan = Plan(student_id=student.id, chosen_pathways=[], next_steps=[], notes="")
        db.add(plan)
    chosen = list(plan.chosen_pathways or [])
    if code in chosen:
        return plan, False
    if len(chosen) >= MAX_PLAN_ITEMS:
        raise RecordConflictError(
            "plan", f"the plan already holds {MAX_PLAN_ITEMS} items; remove one first"
        )
    plan.chosen_pathways = [*chosen, code]
    plan.updated_by = by_user
    plan.updated_at = now
    db.flush()
    return plan, True
