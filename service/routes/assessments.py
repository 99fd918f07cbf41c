"""The assessment: instrument, start or resume, autosave and idempotent submit."""

from __future__ import annotations

from fastapi import APIRouter

from service.routes._common import SIGNED_IN

router = APIRouter(tags=["assessment"], responses=SIGNED_IN)
