"""Closed sets of choices, each defined once: the tables' CHECK constraints, the API schemas and
the pages' pickers are all derived from the enums and Literal types here.

Labels are marked with :func:`service.i18n.N_` and translated where a template renders them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, get_args

from service.i18n import N_

__all__ = [
    "AccountRole",
    "ActivityCategory",
    "OutcomeEvent",
    "Role",
    "activity_category_values",
    "literal_values",
    "values_of",
]


def values_of(choices: type[StrEnum]) -> tuple[str, ...]:
    """Every stored code of ``choices``, in definition order (a table's CHECK constraint)."""
    return tuple(c.value for c in choices)


def literal_values(choices: object) -> tuple[str, ...]:
    """Every value of a ``Literal`` choice list, in order (a table's CHECK constraint)."""
    return tuple(str(v) for v in get_args(choices))


#: Who an account or a signed-in session is. (Literal types, not enums, where the API's strict
#: request models take the plain string.)
Role = Literal["student", "coach", "staff", "admin"]
#: The roles a user account (not a student's session) can have.
AccountRole = Literal["coach", "staff", "admin"]
#: What a recorded outcome says happened after high school, or on the way there.
OutcomeEvent = Literal[
    "job_shadow",
    "internship",
    "job_application",
    "job_offer",
    "employment",
    "apprenticeship",
    "program_enrolment",
    "credential_earned",
    "military_enlistment",
    "other",
]


class ActivityCategory(StrEnum):
    """The activities Mississippi's career coaches report each school year (stored codes)."""

    ONE_ON_ONE = "one_on_one"
    GROUP_SESSION = "group_session"
    PLANNING_SESSION = "planning_session"
    JOB_SHADOW = "job_shadow"
    JOB_APPLICATION = "job_application"
    GUEST_SPEAKER = "guest_speaker"
    PARENT_CONVERSATION = "parent_conversation"

    @property
    def label(self) -> str:
        """The short English name a page shows (a catalogue message id)."""
        return _ACTIVITY_LABELS[self]


_ACTIVITY_LABELS: Final[dict[ActivityCategory, str]] = {
    ActivityCategory.ONE_ON_ONE: N_("One-on-one session"),
    ActivityCategory.GROUP_SESSION: N_("Group engagement"),
    ActivityCategory.PLANNING_SESSION: N_("Post-secondary planning session"),
    ActivityCategory.JOB_SHADOW: N_("Job shadow"),
    ActivityCategory.JOB_APPLICATION: N_("Job application"),
    ActivityCategory.GUEST_SPEAKER: N_("Guest speaker"),
    ActivityCategory.PARENT_CONVERSATION: N_("Parent conversation"),
}


def activity_category_values() -> tuple[str, ...]:
    """Every stored category code, in reporting order."""
    return tuple(c.value for c in ActivityCategory)
