"""The installable service: the wheel's package list, the lock files, and a light import path.

``pip install .`` carries the code packages listed in pyproject.toml plus the shipped data
(``pathways_data``); the service must run without the `train` extra, so serving a
recommendation may not import a training library.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from recommender.shipped import CHECKOUT_PATHS, shipped_path
from service.cli import TRAINING_LIBRARIES

REPO = Path(__file__).resolve().parents[1]
PYPROJECT: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CODE_PACKAGES = ("recommender", "service", "training")


def _locked(lock: Path) -> dict[str, list[tuple[str, str]]]:
    """name -> [(version, marker)] of a uv-compiled requirements file."""
    out: dict[str, list[tuple[str, str]]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if found:
            name, version, marker = found.groups()
            out.setdefault(canonicalize_name(name), []).append((version, (marker or "").strip()))
    return out


def _for_this_python(pins: list[tuple[str, str]]) -> str:
    """The pinned version whose marker holds for Python 3.11 on Linux (the CI machine)."""
    env = default_environment() | {"python_full_version": "3.11.7", "python_version": "3.11"}
    for version, marker in pins:
        if not marker or Requirement(f"x; {marker}").marker.evaluate(env):  # type: ignore[union-attr]
            return version
    raise AssertionError(f"no pin applies to Python 3.11: {pins}")


def test_every_code_package_is_in_the_wheel() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in CODE_PACKAGES
        for init in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == {"pathways_data", "pathways_data.models"}


def test_the_wheels_data_package_maps_the_shipped_folders() -> None:
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert mapped == {"pathways_data": "data", "pathways_data.models": "models"}
    for name, where in CHECKOUT_PATHS.items():
        assert shipped_path(name) == REPO / where  # type: ignore[arg-type]
        assert shipped_path(name).exists(), name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("service.txt", ()), ("train.txt", ("train",)), ("dev.txt", ("train", "dev"))],
)
def test_each_lock_file_pins_what_pyproject_asks_for(lock: str, extras: tuple[str, ...]) -> None:
    project = PYPROJECT["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += [r for r in project["optional-dependencies"][extra] if "pathways" not in r]
    pins = _locked(REPO / "requirements" / lock)
    stale = []
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name not in pins:
            stale.append(f"{name} is not in requirements/{lock}")
            continue
        version = _for_this_python(pins[name])
        if not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{name}=={version} breaks {requirement.specifier}")
    assert stale == [], "run requirements/compile.sh: " + "; ".join(stale)


def test_the_service_lock_holds_no_training_library() -> None:
    pins = _locked(REPO / "requirements" / "service.txt")
    training = {"scikit-learn", "scipy", "pandas", "pyarrow", "onnx", "skl2onnx", "joblib", "tqdm"}
    assert training & set(pins) == set()
    assert "itsdangerous" not in pins


_SERVE_ONE = """
import os, sys, tempfile
from pathlib import Path
folder = Path(tempfile.mkdtemp())
from fastapi.testclient import TestClient
from service.app import create_app
from service.commands import prepare_database
from service.settings import Settings
settings = Settings(database_url=f"sqlite:///{folder / 'light.sqlite3'}", seed_demo=True,
                    var_dir=folder, argon2_time_cost=1, argon2_memory_kib=1024, log_json=False)
prepare_database(settings)
with TestClient(create_app(settings)) as client:
    token = client.post(
        "/auth/login", json={"username": "coach1", "password": "pathways-demo"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    served = 0
    for student in client.get("/students", headers=headers).json():
        answer = client.get(f"/students/{student['id']}/recommendations", headers=headers)
        served += answer.status_code == 200
        what_if = client.get(
            f"/students/{student['id']}/recommendations?plan=work", headers=headers
        )
        served += what_if.status_code == 200
    client.get("/coach", headers=headers)
assert served >= 2, served
print(" ".join(sorted({name.split('.')[0] for name in sys.modules})))
"""


def test_serving_recommendations_imports_no_training_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_ONE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(done.stdout.split())
    assert "service" in loaded and "onnxruntime" in loaded  # it did serve with the model
    assert loaded & TRAINING_LIBRARIES == set()
    assert "training" not in loaded
