"""Property-based API fuzzing from the OpenAPI document: no input, however malformed, gives a 5xx.

Every operation gets a few schemathesis-generated requests, valid and invalid (positive and
negative generation), signed in as admin so requests reach the handlers rather than stopping at
401. The list of operations is read from the app itself, so a new route is fuzzed automatically.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import build_world

EXAMPLES_PER_OPERATION = 8


def _operations() -> dict[str, bool]:
    """Operation label -> whether it takes any input (invalid input can only be made for those)."""
    app = create_app(Settings(database_url="sqlite:///:memory:"))  # only for the OpenAPI document
    document = app.openapi()
    app.state.engine.dispose()
    return {
        f"{method.upper()} {path}": bool(op.get("parameters") or op.get("requestBody"))
        for path, operations in document["paths"].items()
        for method, op in operations.items()
    }


def _cases() -> list[Any]:
    return [
        pytest.param(label, mode, id=f"{label} {mode.value}")
        for label, has_input in _operations().items()
        for mode in GenerationMode
        if has_input or mode is GenerationMode.POSITIVE
    ]


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_no_generated_request_makes_the_service_fail(
    settings: Settings, label: str, mode: GenerationMode
) -> None:
    app = create_app(settings)
    headers = build_world(app).headers("admin")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    calls: list[Any] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        sent = {k.lower() for k in (case.headers or {})}
        if "authorization" not in sent:
            case.headers = {**(case.headers or {}), **headers}
        calls.append(case.call_and_validate(checks=[not_a_server_error]))

    try:
        fuzz()
    finally:
        app.state.engine.dispose()
    assert calls, f"no request was generated for {label}"


def test_every_operation_is_fuzzed_and_most_with_invalid_input_too() -> None:
    operations = _operations()
    fuzzed = {param.values[0] for param in _cases()}
    assert fuzzed == set(operations)
    assert sum(operations.values()) >= len(operations) // 2
