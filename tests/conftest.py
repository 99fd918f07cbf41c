"""Project-wide test set-up: tests marked ``shared`` need the raw public data beside the repo.

CI and every development machine have ``../shared/data/raw`` (the guide for this project says so),
so a missing folder is a broken set-up, not a reason to pass quietly: such a test fails naming the
folder. Deselect them with ``-m "not shared"`` when working without the raw data on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: The raw public data folder the catalogue and benchmark builds read.
SHARED_RAW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"


@pytest.fixture(autouse=True)
def _require_shared_raw(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("shared") is not None and not SHARED_RAW.is_dir():
        pytest.fail(
            f"{SHARED_RAW} is missing: this test rebuilds from the raw public data, which must "
            'sit beside the repository (deselect with -m "not shared" to run without it)'
        )
