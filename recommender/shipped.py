"""Where the shipped data lives: model versions, catalogue, instrument and attribution notices.

In a source checkout these are the repository's own ``models/``, ``data/catalogue/``,
``data/instrument/`` and ``data/ATTRIBUTION.md``, so training writes where the service reads. In an
installed wheel (``pip install .``) they are the copies packaged as ``pathways_data``
(``pyproject.toml`` maps the folders into it). The service can point elsewhere with its settings
(``PATHWAYS_MODELS_DIR``, ``PATHWAYS_CATALOGUE_DIR``, ``PATHWAYS_INSTRUMENT_DIR``), which it hands
to ``use_data_dirs`` once at start; this module reads no environment variables.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Final, Literal

#: A shipped data item, by its name in the ``pathways_data`` package.
DataName = Literal["models", "catalogue", "instrument", "ATTRIBUTION.md"]
#: A shipped folder the service's settings can replace.
FolderName = Literal["models", "catalogue", "instrument"]

#: Where each item sits in a source checkout, relative to the repository folder.
CHECKOUT_PATHS: Final[dict[str, str]] = {
    "models": "models",
    "catalogue": "data/catalogue",
    "instrument": "data/instrument",
    "ATTRIBUTION.md": "data/ATTRIBUTION.md",
}

#: A file only a Pathways checkout has beside the packages: the checkout is recognised by it.
_CHECKOUT_MARK: Final = "models/registry.json"

_overrides: dict[str, Path] = {}


def _checkout_root() -> Path | None:
    root = Path(__file__).resolve().parent.parent
    return root if (root / _CHECKOUT_MARK).is_file() else None


def shipped_path(name: DataName) -> Path:
    """The shipped copy of ``name``: the checkout's folder when running from a source tree, else
    the installed ``pathways_data`` package's; reads the file system, never the environment."""
    root = _checkout_root()
    if root is not None:
        return root / CHECKOUT_PATHS[name]
    spec = importlib.util.find_spec("pathways_data")
    if spec is None or not spec.submodule_search_locations:
        # neither a checkout nor an install carrying the data: the checkout path names the gap
        return Path(__file__).resolve().parent.parent / CHECKOUT_PATHS[name]
    return Path(next(iter(spec.submodule_search_locations))) / name


def use_data_dirs(
    *, models: Path | None = None, catalogue: Path | None = None, instrument: Path | None = None
) -> bool:
    """Make this process's default folders the given ones (None: the shipped copy); True when
    the folder of any of them changed. The service calls it with its settings at start."""
    wanted: tuple[tuple[FolderName, Path | None], ...] = (
        ("models", models),
        ("catalogue", catalogue),
        ("instrument", instrument),
    )
    changed = False
    for name, folder in wanted:
        before = data_dir(name)
        if folder is None:
            _overrides.pop(name, None)
        else:
            _overrides[name] = Path(folder).resolve()
        changed = changed or data_dir(name) != before
    return changed


def data_dir(name: FolderName) -> Path:
    """The folder this process reads ``name`` from: the one given to ``use_data_dirs``, else the
    shipped copy."""
    return _overrides.get(name) or shipped_path(name)
