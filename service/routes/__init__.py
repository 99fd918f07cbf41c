"""HTTP routes, one module per concept; ``ROUTERS`` is the list the app factory mounts."""

from __future__ import annotations

from service.routes import (
    activities,
    assessments,
    auth,
    catalogue,
    model_versions,
    ops,
    plan_items,
    privacy,
    recommendations,
    records,
    reports,
    rosters,
    schools,
    students,
    users,
)

ROUTERS = (
    ops.router,
    auth.router,
    schools.router,
    users.router,
    students.router,
    activities.router,
    records.router,
    plan_items.router,
    reports.router,
    assessments.router,
    catalogue.router,
    recommendations.router,
    model_versions.router,
    privacy.router,
    rosters.router,
)
