"""The loaded model of one process, kept in step with the database's active-model pointer.

Every process holds one ``ModelHolder`` (``app.state.models``). The database row
``service_settings.active_model_version`` names the version all processes must serve; a process
reads it (one primary-key read) at most once per ``check_seconds`` when it recommends or answers
``/readyz``. When the pointer names another version, the process loads that version completely
(ONNX session, policy, precomputed regional arrays) while requests keep using the old one, then
swaps one reference. A version that cannot be loaded leaves the last good model serving and
records the reason, which ``/readyz`` reports as 503 until it is fixed.

Promotion and rollback move the pointer in ``service.model_ops``; recommendations for a stored
student are here too, so routes stay thin.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVarTuple, cast

from sqlalchemy import Select, Text, select
from sqlalchemy import cast as cast_sql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from recommender.assessment import StudentProfile
from recommender.catalogue import EDUCATION_LEVELS, Catalogue, get_catalogue
from recommender.dimensions import PLANS
from recommender.engine import STATEWIDE_REGION, Recommender
from recommender.errors import (
    InvalidRecordError,
    ModelArtifactError,
    PathwaysError,
    RecordConflictError,
    UnknownModelVersionError,
)
from recommender.explain import REASONS_FORMAT, education_step
from recommender.model import (
    LOADED_FILES,
    MANIFEST_FILE,
    verify_model_files,
)
from recommender.shipped import data_dir
from recommender.training_routes import district_colleges, training_routes
from recommender.versions import is_version_name
from service.db import utc_now
from service.i18n import DEFAULT_LANGUAGE
from service.problems import ServiceUnavailableError
from service.reasons import with_texts
from service.state import get_active_model_version, seed_active_version
from service.tables import Assessment, Student
from service.tables import Recommendation as StoredRecommendation

logger = logging.getLogger(__name__)

_Columns = TypeVarTuple("_Columns")

#: Seconds between two reads of the database pointer in one process.
CHECK_SECONDS: Final = 1.0
#: Pathways in a default (stored) recommendation.
DEFAULT_K: Final = 5
#: Training programmes listed per occupation.
PROGRAMS_PER_OCCUPATION: Final = 3
#: Mississippi training routes kept per occupation in a result (pages show the first 3).
ROUTES_PER_OCCUPATION: Final = 8
#: Campuses kept per route (the student's county's first, then the main campus).
CAMPUSES_PER_ROUTE: Final = 3


@dataclass(frozen=True)
class LoadedModel:
    """A fully loaded model version, ready to recommend; ``loaded_at`` is UTC."""

    version: str
    recommender: Recommender
    loaded_at: datetime


@dataclass(frozen=True)
class ModelStatus:
    """What a process serves (``serving``), what the database asks for (``wanted``), and why not."""

    serving: str | None
    wanted: str | None
    problem: str | None


def _file_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime_ns, size) of the files a load reads, so a changed file is loaded afresh."""
    out = []
    for name in (*LOADED_FILES, MANIFEST_FILE):
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        out.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _load_recommender(
    models_dir: str, version: str, signature: tuple[tuple[str, int, int], ...]
) -> Recommender:
    """Load one version once per process and file state (apps in one process share it)."""
    _ = signature  # part of the cache key only
    recommender = Recommender.load(Path(models_dir), version, catalogue=get_catalogue())
    if recommender.model_version != version:
        raise ModelArtifactError(
            str(Path(models_dir) / version / "model.onnx"),
            f"the model says it is version {recommender.model_version!r}, "
            f"but its folder is {version!r}",
        )
    return recommender


def load_model_version(models_dir: Path, version: str) -> LoadedModel:
    """Load a version completely; UnknownModelVersionError or ModelArtifactError (etc.) if not."""
    if not is_version_name(version):
        raise UnknownModelVersionError(version)
    folder = models_dir / version
    if not folder.is_dir():
        raise UnknownModelVersionError(version)
    if not (folder / "model.onnx").is_file():
        raise ModelArtifactError(str(folder / "model.onnx"), "model file not found")
    verify_model_files(folder)  # every file as training wrote it, before anything is read
    recommender = _load_recommender(str(models_dir), version, _file_signature(folder))
    return LoadedModel(version=version, recommender=recommender, loaded_at=utc_now())


class ModelHolder:
    """The model one process serves, swapped atomically when the database pointer changes."""

    def __init__(
        self,
        models_dir: Path | None = None,
        *,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.models_dir = models_dir if models_dir is not None else data_dir("models")
        self.check_seconds = check_seconds
        self._clock = clock
        self._current: LoadedModel | None = None
        self._wanted: str | None = None
        self._problem: str | None = None
        self._failed: tuple[str, tuple[tuple[str, int, int], ...]] | None = None
        self._checked_at = -float("inf")
        self._loading = threading.Lock()

    @property
    def current(self) -> LoadedModel | None:
        """The model serving now (None before the first successful load)."""
        return self._current

    def status(self) -> ModelStatus:
        """Serving and wanted versions and the reason they differ (None when all is well)."""
        current = self._current
        return ModelStatus(current.version if current else None, self._wanted, self._problem)

    def start(self, factory: sessionmaker[Session]) -> None:
        """At start-up: seed an empty pointer from registry.json, then load; never raises."""
        try:
            with factory() as db:
                self.sync(db, force=True)
                db.commit()
        except SQLAlchemyError as exc:
            self._problem = f"cannot read the active model version ({type(exc).__name__})"
            logger.warning("model not loaded at start: %s", self._problem)

    def prepare(self, version: str) -> LoadedModel:
        """Load ``version`` fully without serving it (raises when it cannot be loaded)."""
        return load_model_version(self.models_dir, version)

    def install(self, loaded: LoadedModel) -> None:
        """Serve ``loaded`` from now on (one reference swap; requests in flight keep the old)."""
        self._current = loaded
        self._wanted = loaded.version
        self._problem = None
        self._failed = None
        logger.info("serving model version %s", loaded.version)

    def sync(self, db: Session, *, force: bool = False) -> None:
        """Follow the database pointer (read at most once per check_seconds unless forced)."""
        now = self._clock()
        if not force and self._current is not None and now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now
        wanted = get_active_model_version(db)
        if wanted is None:
            wanted = seed_active_version(db, self.models_dir, now=utc_now())
        self._wanted = wanted
        current = self._current
        if wanted is None:
            file = self.models_dir / "registry.json"
            self._problem = f"no active model version: the database names none and {file} neither"
            return
        if current is not None and current.version == wanted:
            self._problem = None
            return
        # The first load blocks (there is nothing else to serve); later ones never make a request
        # wait: if another thread is already loading, this request uses the current model.
        if not self._loading.acquire(blocking=current is None):
            return
        try:
            if self._current is not None and self._current.version == wanted:
                return
            key = (wanted, _file_signature(self.models_dir / wanted))
            if key == self._failed:
                return
            started = time.perf_counter()
            try:
                loaded = self.prepare(wanted)
            except (PathwaysError, OSError) as exc:
                self._failed = key
                serving = f"; still serving {current.version}" if current else ""
                self._problem = f"model version {wanted!r} cannot be loaded: {exc}{serving}"
                logger.error("model load failed: %s", self._problem)
                return
            seconds = time.perf_counter() - started
            logger.info("model version %s loaded in %.3f s", wanted, seconds)
            self.install(loaded)
        finally:
            self._loading.release()

    def get(self, db: Session) -> LoadedModel:
        """The model to use for this request; ServiceUnavailableError (503) when none is loaded."""
        try:
            self.sync(db)
        except SQLAlchemyError:
            if self._current is None:
                raise
        current = self._current
        if current is None:
            raise ServiceUnavailableError(self._problem or "no model is loaded")
        return current


# ------------------------------------------------------------------------- recommendations


def latest_submitted_assessment(db: Session, student_id: int) -> Assessment | None:
    """The student's most recently submitted assessment that has a scored profile, or None."""
    return db.execute(_latest_submitted(select(Assessment), student_id)).scalar_one_or_none()


def _latest_submitted(query: Select[*_Columns], student_id: int) -> Select[*_Columns]:
    """``query`` kept to the student's latest submitted assessment with a scored profile (the
    newest submission; of two at one instant, the higher id)."""
    return (
        query.where(
            Assessment.student_id == student_id,
            Assessment.status == "submitted",
            Assessment.profile.is_not(None),
        )
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def hash_profile(profile: dict[str, Any]) -> str:
    """SHA-256 (hex) of the profile's canonical JSON: equal profiles, equal hashes."""
    text = json.dumps(profile, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _region_name(catalogue: Catalogue, code: str) -> str:
    for region in catalogue.regions:
        if region.code == code:
            return region.name
    return code


def _with_programs(
    occupation: dict[str, Any], catalogue: Catalogue, place: dict[str, Any], plan: str
) -> dict[str, Any]:
    i = catalogue.index_of(occupation["code"])
    programs = catalogue.programs[i][:PROGRAMS_PER_OCCUPATION]
    listed = [{"cip_code": p.cip_code, "title": p.title} for p in programs]
    found = training_routes(
        catalogue, occupation["code"], place["county_fips"], plan, place["region"]
    )
    edu = int(catalogue.education_code[i])
    return {
        **occupation,
        "programs": listed,
        "usual_education": EDUCATION_LEVELS[edu] if edu >= 0 else None,
        "education_step": education_step(edu, plan),
        "training_routes": [
            {**r.to_dict(), "campuses": r.to_dict()["campuses"][:CAMPUSES_PER_ROUTE]}
            for r in found.routes[:ROUTES_PER_OCCUPATION]
        ],
        "training_routes_total": len(found.routes),
        "district_without_routes": list(found.district_without),
    }


def training_place(catalogue: Catalogue, county_fips: str | None, region: str) -> dict[str, Any]:
    """The place a result's training routes are for: the student's county when it lies in the
    result's region (or the region is statewide), else the region alone."""
    county = county_fips if county_fips in catalogue.county_region else None
    outside = county is not None and catalogue.county_region[county] != region
    if outside and region != STATEWIDE_REGION:
        county = None
    colleges = district_colleges(catalogue, county, region)
    return {
        "county_fips": county,
        "county_name": catalogue.county_names[county] if county else None,
        "region": region,
        "district_colleges": [catalogue.colleges[u].name for u in colleges],
    }


def describe_result(loaded: LoadedModel, profile: StudentProfile, **what_if: Any) -> dict[str, Any]:
    """The engine's result as stored and served: regions named, programmes and Mississippi
    training routes per occupation (for the student's county, see ``training_place``)."""
    result = loaded.recommender.recommend(profile, **what_if).to_dict()
    catalogue = cast(Catalogue, loaded.recommender.catalogue)
    result["region_name"] = _region_name(catalogue, result["region"])
    place = training_place(catalogue, profile.county_fips, result["region"])
    result["training_place"] = place
    plan = str(result["plan"])
    for pathway in result["pathways"]:
        pathway["occupations"] = [
            _with_programs(o, catalogue, place, plan) for o in pathway["occupations"]
        ]
    result["occupations"] = [
        _with_programs(o, catalogue, place, plan) for o in result["occupations"]
    ]
    _add_titles_es(result, catalogue)
    return result


def _add_titles_es(result: dict[str, Any], catalogue: Catalogue) -> None:
    """The project's Spanish titles beside the English ones ("" where none is written)."""
    es = catalogue.titles_es

    def occupation_es(code: str) -> str:
        return es[catalogue.index_of(code)] if es else ""

    for pathway in result["pathways"]:
        found = catalogue.pathways[catalogue.pathway_index(pathway["code"])]
        pathway["title_es"] = found.title_es
        pathway["cluster_es"] = found.cluster_es
        for o in pathway["occupations"]:
            o["title_es"] = occupation_es(o["code"])
    for o in result["occupations"]:
        o["title_es"] = occupation_es(o["code"])


def check_what_if(
    loaded: LoadedModel, region: str | None, plan: str | None
) -> tuple[str | None, str | None]:
    """Validated what-if region and plan (InvalidRecordError naming the query field)."""
    catalogue = cast(Catalogue, loaded.recommender.catalogue)
    if region is not None and region not in {r.code for r in catalogue.regions}:
        raise InvalidRecordError("query.region", f"unknown region {region!r}")
    if plan is not None and plan not in PLANS:
        raise InvalidRecordError("query.plan", f"{plan!r} is not one of {list(PLANS)}")
    return region, plan


@dataclass(frozen=True)
class _Answer:
    """A recommendation before encoding: the envelope and either the result or its JSON text."""

    envelope: dict[str, Any]
    result: dict[str, Any] | None
    result_json: str | None


def _latest_profile(db: Session, student_id: int) -> tuple[int, dict[str, Any]] | None:
    """(id, profile) of the latest submitted, scored assessment: two columns, one indexed query."""
    row = db.execute(
        _latest_submitted(select(Assessment.id, Assessment.profile), student_id)
    ).one_or_none()
    if row is None or row[1] is None:
        return None
    return int(row[0]), row[1]


def _stored_or_new(
    db: Session,
    loaded: LoadedModel,
    student_id: int,
    inputs: dict[str, Any],
    profile: StudentProfile,
    by_user: int | None,
) -> tuple[int, datetime, dict[str, Any] | None, str | None]:
    """The student's stored default result if model, catalogue and inputs match, else a new one.

    A stored result is read as its JSON text (the caller decodes it); a new one is returned as
    a dict. The inputs hold ``REASONS_FORMAT``, so a result stored with reasons in an older form
    (sentences stored beside them, format 3 and before) is worked out and stored again.
    """
    catalogue_version = loaded.recommender.catalogue.version
    row = db.execute(
        select(
            StoredRecommendation.id,
            StoredRecommendation.model_version,
            StoredRecommendation.catalogue_version,
            StoredRecommendation.inputs,
            StoredRecommendation.created_at,
            cast_sql(StoredRecommendation.result, Text),
        )
        .where(StoredRecommendation.student_id == student_id)
        .order_by(StoredRecommendation.id.desc())
        .limit(1)
    ).one_or_none()
    if (
        row is not None
        and row[1] == loaded.version
        and row[2] == catalogue_version
        and row[3] == inputs
    ):
        return int(row[0]), row[4], None, str(row[5])
    result = describe_result(loaded, profile, k=DEFAULT_K)
    stored = StoredRecommendation(
        student_id=student_id,
        assessment_id=inputs["assessment_id"],
        model_version=loaded.version,
        catalogue_version=catalogue_version,
        inputs=inputs,
        result=result,
        created_by=by_user,
        created_at=utc_now(),
    )
    db.add(stored)
    db.flush()
    return stored.id, stored.created_at, result, None


def _answer(
    db: Session,
    holder: ModelHolder,
    student: Student,
    *,
    region: str | None,
    plan: str | None,
    k: int | None,
    by_user: int | None,
) -> _Answer:
    latest = _latest_profile(db, student.id)
    if latest is None:
        raise RecordConflictError("recommendation", "the student has no submitted assessment yet")
    assessment_id, profile = latest
    loaded = holder.get(db)
    region, plan = check_what_if(loaded, region, plan)
    what_if = region is not None or plan is not None or k is not None
    profile_hash = hash_profile(profile)
    envelope: dict[str, Any] = {
        "student_id": student.id,
        "assessment_id": assessment_id,
        "profile_hash": profile_hash,
        "what_if": what_if,
    }
    if what_if:
        chosen_k = DEFAULT_K if k is None else k
        result = describe_result(
            loaded, StudentProfile.from_dict(profile), region=region, plan=plan, k=chosen_k
        )
        envelope.update(recommendation_id=None, stored=False, created_at=None, k=chosen_k)
        return _Answer(envelope, result, None)
    scored = StudentProfile.from_dict(profile)
    inputs = {
        "assessment_id": assessment_id,
        "profile_hash": profile_hash,
        "region": scored.region_code or STATEWIDE_REGION,
        "plan": scored.plan,
        "k": DEFAULT_K,
        # a result stored with an older way of writing reasons is written again, not reused
        "reasons_format": REASONS_FORMAT,
    }
    row_id, created_at, fresh, text = _stored_or_new(
        db, loaded, student.id, inputs, scored, by_user
    )
    envelope.update(recommendation_id=row_id, stored=True, created_at=created_at, k=DEFAULT_K)
    return _Answer(envelope, fresh, text)


def recommend_for_student(
    db: Session,
    holder: ModelHolder,
    student: Student,
    *,
    region: str | None = None,
    plan: str | None = None,
    k: int | None = None,
    by_user: int | None = None,
) -> dict[str, Any]:
    """Ranked pathways from the latest submitted profile; only the default result is stored.

    With no what-if parameter the result is stored (or the stored one reused when model,
    catalogue and inputs are unchanged); with any, the result is computed and not stored.
    """
    answer = _answer(db, holder, student, region=region, plan=plan, k=k, by_user=by_user)
    result = answer.result
    if result is None:
        result = json.loads(answer.result_json or "{}")
    return {**answer.envelope, **result}


#: Envelope fields of a served recommendation that are not part of the stored result.
_ENVELOPE: Final = (
    "student_id",
    "assessment_id",
    "profile_hash",
    "what_if",
    "stored",
    "recommendation_id",
    "created_at",
)


def store_what_if(
    db: Session, student_id: int, result: dict[str, Any], *, by_user: int | None, now: datetime
) -> None:
    """Keep a served what-if ``result`` (region, plan) beside the plan made from it; the
    default ranking is stored by ``recommend_for_student`` already. The caller commits."""
    db.add(
        StoredRecommendation(
            student_id=student_id,
            assessment_id=result["assessment_id"],
            model_version=result["model_version"],
            catalogue_version=result["catalogue_version"],
            inputs={
                "what_if": True,
                "assessment_id": result["assessment_id"],
                "profile_hash": result["profile_hash"],
                "region": result["region"],
                "plan": result["plan"],
                "k": result["k"],
            },
            result={k: v for k, v in result.items() if k not in _ENVELOPE},
            created_by=by_user,
            created_at=now,
        )
    )


def _json_timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix, as pydantic writes it (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def recommendation_json(
    db: Session,
    holder: ModelHolder,
    student: Student,
    *,
    region: str | None = None,
    plan: str | None = None,
    k: int | None = None,
    by_user: int | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """``recommend_for_student`` as the UTF-8 JSON body of the API (same fields and values), with
    each reason's and education step's sentence rendered in ``language`` as ``text``
    (``service.reasons.with_texts``); what is stored holds no sentence.
    """
    answer = _answer(db, holder, student, region=region, plan=plan, k=k, by_user=by_user)
    envelope = {**answer.envelope, "created_at": _json_timestamp(answer.envelope["created_at"])}
    head = json.dumps(envelope, separators=(",", ":"))
    rec = answer.envelope["recommendation_id"]
    if answer.result_json is None:
        body = _rendered_body(rec, answer.result or {}, language)
    else:
        body = _RENDERED.get(answer.result_json, language) or _RENDERED.put(
            answer.result_json,
            language,
            _rendered_body(rec, _stored_result(rec, answer.result_json), language),
        )
    return (head[:-1] + "," + body[1:]).encode("utf-8")


def _rendered_body(recommendation_id: int | None, result: dict[str, Any], language: str) -> str:
    """A result as the API's JSON text, each sentence rendered in ``language``."""
    if not result:
        raise ValueError(
            f"stored recommendation {recommendation_id} holds no JSON object with fields"
        )
    return json.dumps(with_texts(result, language), separators=(",", ":"), allow_nan=False)


def _stored_result(recommendation_id: int | None, text: str) -> dict[str, Any]:
    """A stored result's JSON text decoded (a ValueError when it is not a JSON object)."""
    try:
        result = json.loads(text)
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict):
        raise ValueError(f"stored recommendation {recommendation_id} holds no JSON object")
    return result


#: Characters (bytes: the JSON text is ASCII) of rendered stored results one process keeps;
#: a five-pathway result is about 150 k, so some 50 of them.
RENDERED_CACHE_CHARS: Final = 8_000_000


class _RenderedBodies:
    """Stored results rendered in a language, by the stored JSON text they came from.

    A stored result is never changed (a new one is a new row), the message catalogue is read
    once per process, so the stored text and the language decide the rendered body. Decoding,
    rendering about 120 sentences and encoding again cost a few milliseconds a request where
    the stored text used to be sent as it is; repeated reads of one student's result (the
    student's page polling, a coach's script) are served from here. The key is the text's
    length and hash, not the text; least recently used entries go first.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._bodies: OrderedDict[tuple[int, int, str], str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, stored: str, language: str) -> str | None:
        key = (len(stored), hash(stored), language)
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, stored: str, language: str, body: str) -> str:
        key = (len(stored), hash(stored), language)
        with self._lock:
            if key not in self._bodies and len(body) <= self.max_chars:
                self._bodies[key] = body
                self._chars += len(body)
                while self._chars > self.max_chars:
                    _, old = self._bodies.popitem(last=False)
                    self._chars -= len(old)
        return body


_RENDERED: Final = _RenderedBodies(RENDERED_CACHE_CHARS)
