"""One training step for every data source: fit, export ONNX, check parity, calibrate, evaluate and
write the version folder ``models/<version>/`` atomically (``train_and_write_version``).

The data comes as a ``training.data.TrainingData`` from the synthetic cohort
(``training.train.train_version``) or from outcome records
(``training.records_training.train_version_from_records``); only how the held-out students are
judged and what the documents say about the data differ between them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline

from recommender.calibration import CALIBRATION_FILE
from recommender.catalogue import Catalogue
from recommender.features import OccupationArrays, StudentBatch, build_pair_features_batch
from recommender.files import sha256_of_file
from recommender.ranking import RankingPolicy
from recommender.typical import TypicalFit, typical_fit_from_sample
from training.calibration import ReliabilityCurve, fit_calibration
from training.data import ScoreFit, TrainingData, score_whole_catalogue
from training.report import write_reliability_svg
from training.train import TrainConfig, fit_pipeline, predict_fit

if TYPE_CHECKING:
    from recommender.model import FitModel
    from training.export import ParityReport

log = logging.getLogger(__name__)


def train_and_write_version(
    data: TrainingData,
    config: TrainConfig,
    catalogue: Catalogue,
    models_dir: Path,
    version: str | None = None,
    *,
    show_progress: bool = True,
    started: float | None = None,
    reuse_fit: Path | None = None,
) -> Path:
    """Fit on ``data``, export ONNX with the parity check, calibrate, evaluate and benchmark the
    held-out students, and write ``models/<version>/`` atomically; returns that folder.

    The version name defaults to ``<date>-<data.name_stem><data.sha256[:6]>``; an existing
    folder of that name raises ``FileExistsError`` before anything is fitted. ``started`` (a
    ``time.perf_counter()`` reading at the start of the run) adds the run's total seconds to
    the timing figures. Nothing is left in ``models_dir`` when a step fails.

    ``reuse_fit`` (a version folder) takes that version's fitted pipeline (``model.joblib``)
    instead of fitting again, and runs every later step: for a change of the typical fit, the
    exposure offsets or the evaluation that leaves the fit as it was. The version must have been
    trained on the same data (training data hash) with the same features, else ``ValueError``.
    """
    from tqdm import tqdm

    start = time.perf_counter() if started is None else started
    repo = Path(__file__).resolve().parent.parent
    occupations = OccupationArrays.from_catalogue(catalogue)
    name = version or f"{time.strftime('%Y%m%d')}-{data.name_stem}{data.sha256[:6]}"
    final_dir = models_dir / name
    if final_dir.exists():
        raise FileExistsError(f"model version {name!r} already exists in {models_dir}")
    steps = tqdm(total=4, desc="train", unit="step", disable=not show_progress)
    try:
        if reuse_fit is not None:
            pipe, fit_seconds = reuse_fitted_pipeline(reuse_fit, data, config)
        else:
            x = data.features(occupations)
            log.info("fitting on %d pair rows, %d features", x.shape[0], x.shape[1])
            pipe, fit_seconds = fit_pipeline(x, data.pair_grade, config)
            del x
        steps.update()

        models_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=models_dir))
        try:
            meta = {"version": name, "data_sha256": data.sha256, **data.onnx_metadata}
            onnx_model, parity, timing = save_and_check_model(
                pipe, tmp, meta, data.students, occupations, data.held_out, fit_seconds, data.rows
            )
            steps.update()

            policy = RankingPolicy(interest_weight=config.interest_weight)
            eval_students, calib_students = config.split_held_out(data.held_out)
            calibration = None
            typical = None
            exposure_report = None
            if calib_students.size:
                calib_fit = score_whole_catalogue(
                    onnx_model.score_fit, data.students, occupations, calib_students
                )
                calibration = fit_calibration(
                    *data.outcomes.calibration_pairs(calib_fit, calib_students)
                )
                write_json(tmp / CALIBRATION_FILE, calibration.to_dict())
                if calib_students.size >= 2:  # a typical fit needs two students at least
                    typical, exposure_report = write_typical_fit(
                        tmp, catalogue, calib_fit, onnx_model.score_fit, policy
                    )
                del calib_fit
            with tqdm(
                total=eval_students.size, desc="evaluate", unit="student", disable=not show_progress
            ) as bar:
                evaluation = data.outcomes.evaluate(
                    onnx_model.score_fit,
                    eval_students,
                    policy,
                    calibration=calibration,
                    typical=typical,
                    progress=bar.update,
                )
            benchmarks = run_benchmarks(onnx_model.score_fit, policy, catalogue, typical)
            if "calibration" in evaluation:
                write_reliability_svg(
                    ReliabilityCurve.from_dict(evaluation["calibration"]["reliability"]),
                    tmp / "reliability.svg",
                    f"P(grade >= 2), model {name}, {data.outcomes.population}",
                )
                evaluation["calibration"]["students"] = int(calib_students.size)
            steps.update()

            metrics: dict[str, Any] = {
                "version": name,
                "evaluation": evaluation,
                "benchmarks": benchmarks,
                "parity": parity.to_dict(),
                "timing": timing,
                "training": {
                    "rows": data.rows,
                    "students": int(data.train_students.size),
                    **data.training_facts,
                    "grade_shares": data.grade_shares(),
                    **({"reused_fit_of": reuse_fit.name} if reuse_fit is not None else {}),
                },
                **data.metrics,
            }
            if exposure_report is not None:
                metrics["exposure_offsets"] = exposure_report
            manifest: dict[str, Any] = {
                "version": name,
                "training_data_sha256": data.sha256,
                "catalogue_version": catalogue.version,
                "code_version": code_version(repo),
                "train_config": config.to_dict(),
                "feature_names": list(config.features),
                "region_names": {r.code: r.name for r in catalogue.regions},
                **data.manifest,
                "files": {},
            }
            timing["total_seconds"] = time.perf_counter() - start
            write_version_documents(tmp, name, metrics, manifest, policy)
            tmp.chmod(0o755)  # mkdtemp makes it owner-only; the service reads a version folder
            tmp.replace(final_dir)
            steps.update()
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        steps.close()
    return final_dir


def reuse_fitted_pipeline(
    folder: Path, data: TrainingData, config: TrainConfig
) -> tuple[Pipeline, float]:
    """The fitted pipeline of the version in ``folder`` and its recorded fit seconds, after
    checking it was trained on ``data`` with ``config``'s features."""
    from recommender.files import read_artifact_json

    manifest = read_artifact_json(folder / "manifest.json", "manifest")
    if manifest.get("training_data_sha256") != data.sha256:
        raise ValueError(
            f"{folder.name} was trained on other data (training data hash"
            f" {str(manifest.get('training_data_sha256'))[:16]}, this run's {data.sha256[:16]})"
        )
    if list(manifest.get("feature_names", [])) != list(config.features):
        raise ValueError(f"{folder.name} was trained on other features than this run's")
    pipe = joblib.load(folder / "model.joblib")
    metrics = read_artifact_json(folder / "metrics.json", "metrics")
    return pipe, float(metrics.get("timing", {}).get("fit_seconds", 0.0))


def save_and_check_model(
    pipe: Pipeline,
    folder: Path,
    meta: dict[str, str],
    students: StudentBatch,
    occupations: OccupationArrays,
    held_students: npt.NDArray[np.intp],
    fit_seconds: float,
    train_rows: int,
) -> tuple[FitModel, ParityReport, dict[str, float]]:
    """Save the pipeline as model.joblib and model.onnx in ``folder``, check ONNX parity on at
    least 1,000 held-out pair rows (raising when it fails) and time one student's scoring.

    Returns the loaded ONNX model, the parity report and the timing figures.
    """
    from recommender.model import load_fit_model
    from training.export import check_parity, require_parity, write_onnx

    n_occ = occupations.size
    joblib.dump(pipe, folder / "model.joblib", compress=3)
    write_onnx(pipe, folder / "model.onnx", meta)
    parity_students = held_students[: max(2, -(-1000 // n_occ))]
    px = build_pair_features_batch(
        students,
        occupations,
        np.repeat(parity_students, n_occ),
        np.tile(np.arange(n_occ), parity_students.size),
    )
    parity = check_parity(pipe, folder / "model.onnx", px, n_occ)
    require_parity(parity, folder / "model.onnx")
    onnx_model = load_fit_model(folder / "model.onnx")
    one = px[:n_occ]
    timing = {
        "fit_seconds": fit_seconds,
        "train_rows": train_rows,
        "onnx_ms_one_student": _time_scoring(lambda: onnx_model.score_fit(one)),
        "sklearn_ms_one_student": _time_scoring(lambda: predict_fit(pipe, one)),
        "catalogue_size": n_occ,
    }
    return onnx_model, parity, timing


def write_version_documents(
    folder: Path,
    name: str,
    metrics: dict[str, Any],
    manifest: dict[str, Any],
    policy: RankingPolicy,
) -> None:
    """Write metrics.json, policy.json and card.md into a version folder being built, then
    manifest.json with the sha256 of every file in it (so it is written last)."""
    from training.card import render_model_card

    write_json(folder / "metrics.json", metrics)
    write_json(folder / "policy.json", {"ranking": policy.to_dict()})
    (folder / "card.md").write_text(
        render_model_card(name, metrics, manifest, policy), encoding="utf-8"
    )
    manifest["files"] = {p.name: sha256_of_file(p) for p in sorted(folder.iterdir()) if p.is_file()}
    write_json(folder / "manifest.json", manifest)


def write_typical_fit(
    folder: Path,
    catalogue: Catalogue,
    fit: npt.NDArray[np.float32],
    score_fit: ScoreFit | None = None,
    policy: RankingPolicy | None = None,
) -> tuple[TypicalFit, dict[str, Any] | None]:
    """Write typical_fit.json from the (m, n) fit of m reference students; returns the typical
    fit and the exposure offsets' report (None without ``score_fit``).

    With ``score_fit``, the exposure offsets (training.exposure) are fitted on its two reference
    samples (the keying half of the real respondents; the occupations' workers) and written with
    it, holding each sample's cap both for the fit alone and for the served score at the
    statewide figures (the policy's interest match for each profile, and its demand, wage and
    high-value parts, the same for every student of a region; in relative-fit units): the list a
    coach sees.
    """
    from recommender.typical import TYPICAL_FIT_FILE, relative_fit, typical_fit_document
    from training.benchmarks import STATEWIDE, RankingInputs, served_scores
    from training.exposure import (
        ExposureSettings,
        ReferenceSample,
        fit_exposure_offsets,
        reference_fits,
    )

    typical = typical_fit_from_sample(fit)
    fitted_on = None
    if score_fit is not None:
        settings = ExposureSettings()
        policy = policy or RankingPolicy()
        inputs = RankingInputs.from_catalogue(catalogue, policy)
        statewide = inputs.region_codes.index(STATEWIDE)
        caps = {"people": settings.cap, "workforce": settings.workforce_cap}
        samples = []
        for name, (raw, match) in reference_fits(score_fit, catalogue, settings).items():
            rel = relative_fit(raw, typical)
            rows = np.full(rel.shape[0], statewide, dtype=np.int64)
            # the served score's parts, in relative-fit units (the offset is on the relative fit)
            served = served_scores(rel, rows, inputs, policy, match) / np.float32(policy.fit_weight)
            samples.append(ReferenceSample(name, (rel, served), caps[name]))
        offsets, fitted_on = fit_exposure_offsets(samples, settings)
        fitted_on["population"] = (
            "people: keying half of the real respondents (data/benchmarks/people.tsv);"
            " workforce: every occupation's O*NET profile, interests spread by the real"
            " within-field SD; fit only and the served score at the statewide figures"
        )
        typical = typical.with_exposure(offsets)
    doc = typical_fit_document(
        list(catalogue.codes),
        typical,
        int(fit.shape[0]),
        "held-out synthetic students (the calibration students)",
        fitted_on,
    )
    write_json(folder / TYPICAL_FIT_FILE, doc)
    return typical, fitted_on


def run_benchmarks(
    score_fit: ScoreFit,
    policy: RankingPolicy,
    catalogue: Catalogue,
    typical: TypicalFit | None,
    *,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """The real-people and occupation-structure benchmarks (training.benchmarks) of a fit."""
    from training.benchmarks import run_people_benchmark, run_structure_benchmark

    return {
        "people": run_people_benchmark(
            score_fit, policy, catalogue, typical=typical, n_resamples=n_resamples
        ),
        "structure": run_structure_benchmark(
            score_fit, policy, catalogue, typical=typical, n_resamples=n_resamples
        ),
    }


_CODE_FILES = (
    "recommender/features.py",
    "recommender/ranking.py",
    "recommender/calibration.py",
    "recommender/model.py",
    "training/cohort.py",
    "training/train.py",
    "training/data.py",
    "training/pipeline.py",
    "training/export.py",
)


def code_version(repo: Path) -> dict[str, str]:
    """Git commit (when available) and a hash of the source files that shape the model."""
    digest = hashlib.sha256()
    for rel in _CODE_FILES:
        file = repo / rel
        digest.update(rel.encode())
        digest.update(file.read_bytes() if file.is_file() else b"")
    commit = "unknown"
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            commit = out.stdout.strip()
    except OSError:
        pass
    return {"git_commit": commit, "code_sha256": digest.hexdigest()}


def _time_scoring(fn: Callable[[], object], repeats: int = 30) -> float:
    """Median wall time of fn in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as sorted, indented JSON with a final newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
