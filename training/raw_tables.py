"""Reading a table of the raw public data (``shared/data/raw``) with errors that name the file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from recommender.errors import RawDataError

__all__ = ["read_raw_table"]


def read_raw_table(path: Path, columns: Sequence[str], **options: Any) -> pd.DataFrame:
    """``pandas.read_csv(path, **options)``, every column of the file kept; ``columns`` must be
    among them.

    RawDataError naming the file: "cannot read: …" when it cannot be read, decoded or parsed;
    "missing column(s) 'a', 'b'" naming the ``columns`` it lacks.
    """
    try:
        frame: pd.DataFrame = pd.read_csv(path, **options)
    except (OSError, ValueError) as exc:  # pandas' ParserError and UnicodeDecodeError included
        raise RawDataError(str(path), f"cannot read: {exc}") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RawDataError(str(path), f"missing column(s) {', '.join(map(repr, missing))}")
    return frame
