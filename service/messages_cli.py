"""``pathways messages extract|check``: keep the message catalogues in step with the sources."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from service.cli_options import add_command, add_group


def register(sub: Any) -> None:
    """Add ``messages`` (``extract``, ``check``) to the ``pathways`` parser."""
    actions = add_group(
        sub,
        "messages",
        dest="action",
        help="extract marked messages into the catalogues, or check them",
        description=(
            "The user-visible text of the pages is in one gettext catalogue per language "
            "(service/locales/<lang>/LC_MESSAGES/messages.po), extracted from the templates and "
            "Python sources named in service/locales/babel.cfg."
        ),
    )
    add_command(
        actions,
        "extract",
        _extract,
        help="write messages.pot from the sources and bring every .po up to date",
        description=(
            "Re-extract every marked message into service/locales/messages.pot, add new ones "
            "to each language's .po (untranslated), drop ones the sources no longer use, keep "
            "every translation; then report what is still untranslated."
        ),
    )
    check = add_command(
        actions,
        "check",
        _check,
        help="report messages missing from, obsolete in or untranslated in each .po",
        description=(
            "Re-extract in memory (nothing is written) and compare with each .po. Exit code 1 "
            "when a .po lacks a message, keeps one the sources dropped, or (other than "
            "English) leaves one untranslated."
        ),
    )
    check.add_argument("--limit", type=int, default=20, help="problems listed per language")


def _extract(args: argparse.Namespace) -> int:
    from service.i18n import (
        catalogue_problems,
        extract_messages,
        translated_share,
        update_catalogues,
    )

    template = extract_messages()
    counts = update_catalogues(template)
    problems = catalogue_problems(template)
    for language, total in counts.items():
        done, _ = translated_share(language)
        left = sum(1 for p in problems[language] if p.startswith("untranslated"))
        print(f"{language}: {total} messages, {done} translated, {left} untranslated")
    return 0


def _check(args: argparse.Namespace) -> int:
    from service.i18n import catalogue_problems, extract_messages

    template = extract_messages()
    problems = catalogue_problems(template)
    wanted = sum(1 for m in template if m.id)
    bad = False
    for language, found in problems.items():
        print(f"{language}: {wanted} messages in the sources, {len(found)} problems")
        for line in found[: args.limit]:
            print(f"  {line}")
        if len(found) > args.limit:
            print(f"  … and {len(found) - args.limit} more")
        bad = bad or bool(found)
    if bad:
        print("run 'pathways messages extract', then translate what it lists", file=sys.stderr)
    return 1 if bad else 0
