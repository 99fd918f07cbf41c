"""O*NET "similar work" relation between occupations (``data/benchmarks/similar_work.tsv``).

The assessment measures a student's interests, work values, abilities and education plan. This
module relates occupations through O*NET descriptors that are *not* model inputs: skills,
knowledge, work styles and task statements (O*NET 29.3, CC BY 4.0). A benchmark can then build a
student-like profile from an occupation's own interests, values, abilities and job zone and ask
whether the recommender finds that occupation and the occupations doing similar work.

Method (see ``data/benchmarks/README.md``):

* **Blocks.** Skills and knowledge: importance x level per element (``IM * LV``). Work styles:
  importance. Each element is standardised (z-score) across the catalogue occupations that have the
  block. Tasks: TF-IDF (English stop words, sublinear tf, terms in at least 2 occupations) over all
  of an occupation's task statements, in Task ID order.
* **Pair similarity.** Cosine per block, then a weighted mean over the blocks both occupations
  have (``BLOCK_WEIGHTS``: work styles count half, because on their own they group occupations by
  temperament rather than by the work done). When a pair lacks some blocks, that mean is put on
  the scale of the all-block similarity: it is replaced by the average all-block similarity of the
  pairs that have every block and a similar mean over the same subset of blocks (binned
  conditional mean made monotone, linear interpolation). Without this step a single task cosine
  (typically 0.0-0.4) would never compete with the all-block similarity of standardised profiles
  (up to about 0.9), and the 44 occupations O*NET gives tasks but no skills, knowledge or work
  styles (Software Developers, Data Scientists, Paramedics ...) could hardly be anyone's neighbour.
* **Neighbours.** For each occupation the ``neighbours`` most similar other occupations, ordered by
  the written (4-decimal) similarity, ties by code.

Building twice from the same raw files gives identical bytes.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.errors import RawDataError
from recommender.files import READABLE, write_atomic
from training.raw_tables import read_raw_table

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
#: Raw public data folder (``shared/data/raw`` beside the repository).
DEFAULT_RAW_DIR: Final = REPO_ROOT.parent / "shared" / "data" / "raw"
#: Where the committed benchmark files live.
DEFAULT_BENCHMARK_DIR: Final = REPO_ROOT / "data" / "benchmarks"
FILE_NAME: Final = "similar_work.tsv"
COLUMNS: Final = ("code", "similar_code", "rank", "similarity", "blocks")

ONET_DIR: Final = "onet_29_3"
RAW_FILES: Final[Mapping[str, str]] = {
    "skills": f"{ONET_DIR}/Skills.txt",
    "knowledge": f"{ONET_DIR}/Knowledge.txt",
    "work_styles": f"{ONET_DIR}/Work Styles.txt",
    "tasks": f"{ONET_DIR}/Task Statements.txt",
}
BLOCKS: Final = ("skills", "knowledge", "work_styles", "tasks")
#: How each block's cosine counts in a pair's mean.
BLOCK_WEIGHTS: Final[Mapping[str, float]] = {
    "skills": 1.0,
    "knowledge": 1.0,
    "work_styles": 0.5,
    "tasks": 1.0,
}
#: Which O*NET scales make a descriptor block's element value (product of the listed scales).
BLOCK_SCALES: Final[Mapping[str, tuple[str, ...]]] = {
    "skills": ("IM", "LV"),
    "knowledge": ("IM", "LV"),
    "work_styles": ("IM",),
}
TFIDF_MIN_DF: Final = 2
#: Fewest all-block pairs from which the scale of pairs lacking blocks is learned.
MIN_CALIBRATION_PAIRS: Final = 1000
#: Occupations whose neighbours the build summary shows (sanity pairs).
SANITY_CODES: Final = (
    "15-1252.00",  # Software Developers
    "47-2111.00",  # Electricians
    "29-1141.00",  # Registered Nurses
    "25-2021.00",  # Elementary School Teachers, Except Special Education
    "53-3032.00",  # Heavy and Tractor-Trailer Truck Drivers
    "13-2011.00",  # Accountants and Auditors
    "19-3033.00",  # Clinical and Counseling Psychologists
    "51-4121.00",  # Welders, Cutters, Solderers, and Brazers
)
ATTRIBUTION: Final = (
    "This product includes information from the O*NET 29.3 Database by USDOL/ETA, used under the "
    "CC BY 4.0 license (modified: Excel converted to tab-delimited text; descriptors combined into "
    "occupation similarities). O*NET® is a trademark of USDOL/ETA."
)

_CODE = "O*NET-SOC Code"
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Block:
    """One descriptor block: unit-length vectors (rows of ``vectors``) and who has them."""

    name: str
    vectors: FloatArray  # (n_occupations, n_features); zero rows where ``present`` is False
    present: BoolArray  # (n_occupations,)
    features: int
    filled_elements: int = 0  # element values missing for an occupation that has the block


# ---------------------------------------------------------------------------------------------
# raw data


def _read(raw_dir: Path, key: str, columns: Sequence[str]) -> pd.DataFrame:
    path = raw_dir / RAW_FILES[key]
    if not path.is_file():
        raise RawDataError(str(path), "raw file is missing")
    return read_raw_table(path, columns, sep="\t", dtype={_CODE: str}, keep_default_na=False)


def _descriptor_block(raw_dir: Path, name: str, codes: Sequence[str]) -> Block:
    """Standardised element vectors of a Skills/Knowledge/Work Styles style file."""
    scales = BLOCK_SCALES[name]
    frame = _read(raw_dir, name, (_CODE, "Element ID", "Scale ID", "Data Value"))
    path = str(raw_dir / RAW_FILES[name])
    frame = frame[frame[_CODE].isin(set(codes)) & frame["Scale ID"].isin(scales)]
    values = pd.to_numeric(frame["Data Value"], errors="coerce")
    if values.isna().any():
        raise RawDataError(path, "non-numeric 'Data Value'")
    frame = frame.assign(value=values.astype(float))
    if frame.duplicated([_CODE, "Element ID", "Scale ID"]).any():
        raise RawDataError(path, "duplicate (code, element, scale) rows")
    wide = frame.pivot(index=_CODE, columns=["Element ID", "Scale ID"], values="value")
    elements = sorted({str(element) for element in wide.columns.get_level_values(0)})
    index = {code: i for i, code in enumerate(codes)}
    raw = np.full((len(codes), len(elements)), np.nan)
    rows = np.array([index[code] for code in wide.index], dtype=np.intp)
    for j, element in enumerate(elements):
        product = np.ones(len(wide))
        for scale in scales:
            column = wide.get((element, scale))
            product = product * (
                np.full(len(wide), np.nan) if column is None else column.to_numpy(float)
            )
        raw[rows, j] = product
    present = ~np.isnan(raw).all(axis=1)
    filled = int(np.isnan(raw[present]).sum())
    mean = np.nanmean(raw[present], axis=0) if present.any() else np.zeros(len(elements))
    std = np.nanstd(raw[present], axis=0) if present.any() else np.zeros(len(elements))
    keep = std > 0
    z = (raw[:, keep] - mean[keep]) / std[keep]
    z[np.isnan(z)] = 0.0  # a missing element of a present block counts as the element mean
    z[~present] = 0.0
    return _unit_block(name, z, present, filled)


def _task_block(raw_dir: Path, codes: Sequence[str]) -> Block:
    """TF-IDF vectors of each occupation's task statements (all task types, Task ID order)."""
    frame = _read(raw_dir, "tasks", (_CODE, "Task ID", "Task"))
    path = str(raw_dir / RAW_FILES["tasks"])
    frame = frame[frame[_CODE].isin(set(codes))]
    task_ids = pd.to_numeric(frame["Task ID"], errors="coerce")
    if task_ids.isna().any():
        raise RawDataError(path, "non-numeric 'Task ID'")
    frame = frame.assign(task_id=task_ids.astype(np.int64)).sort_values(
        [_CODE, "task_id"], kind="stable"
    )
    texts = frame.groupby(_CODE, sort=True)["Task"].agg(lambda s: "\n".join(map(str, s)))
    documents = [str(texts.get(code, "")).strip() for code in codes]
    present = np.array([bool(doc) for doc in documents])
    if present.sum() < TFIDF_MIN_DF:
        raise RawDataError(path, "too few catalogue occupations have task statements")
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=TFIDF_MIN_DF)
    matrix = vectorizer.fit_transform(
        [doc for doc, ok in zip(documents, present, strict=True) if ok]
    )
    dense = np.zeros((len(codes), matrix.shape[1]))
    dense[present] = matrix.toarray()
    return _unit_block("tasks", dense, present, 0)


def _unit_block(name: str, vectors: FloatArray, present: BoolArray, filled: int) -> Block:
    norms = np.linalg.norm(vectors, axis=1)
    present = present & (norms > 0)  # a zero vector has no direction: the block is missing
    unit = np.zeros_like(vectors)
    unit[present] = vectors[present] / norms[present, None]
    return Block(name, unit, present, vectors.shape[1], filled)


# ---------------------------------------------------------------------------------------------
# similarity


@dataclass(frozen=True)
class Similarity:
    values: FloatArray  # (n, n); NaN where the pair shares no block; diagonal NaN
    blocks: npt.NDArray[np.int64]  # (n, n) how many blocks the pair's similarity averaged
    calibrated_pairs: int  # unordered pairs whose similarity was put on the all-block scale
    calibration_points: int


def _binned_map(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Strictly increasing points of the conditional mean of ``y`` given ``x``.

    Bin means over 1 % quantile bins of ``x`` (the top 1 % in 0.1 % bins), made monotone by
    pooling adjacent violators (weighted by pair counts); each pooled run becomes one point at its
    mean ``x``, so interpolating between the points is strictly increasing and keeps the order of
    the pairs it maps.
    """
    probabilities = np.concatenate([np.linspace(0.0, 0.99, 100), np.linspace(0.991, 1.0, 10)])
    edges = np.unique(np.quantile(x, probabilities))
    bins = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(bins, minlength=len(edges) - 1).astype(float)
    sum_x = np.bincount(bins, x, len(edges) - 1)
    sum_y = np.bincount(bins, y, len(edges) - 1)
    runs: list[list[float]] = []  # [count, sum x, sum y] of pooled runs
    for n, sx, sy in zip(counts, sum_x, sum_y, strict=True):
        if n == 0:
            continue
        runs.append([n, sx, sy])
        while len(runs) > 1 and runs[-2][2] / runs[-2][0] >= runs[-1][2] / runs[-1][0]:
            last = runs.pop()
            runs[-1] = [a + b for a, b in zip(runs[-1], last, strict=True)]
    pooled = np.array(runs)
    return pooled[:, 1] / pooled[:, 0], pooled[:, 2] / pooled[:, 0]


def _similarity(blocks: Sequence[Block]) -> Similarity:
    n = blocks[0].present.shape[0]
    total = np.zeros((n, n))
    weight = np.zeros((n, n))
    count = np.zeros((n, n), dtype=np.int64)
    pattern = np.zeros((n, n), dtype=np.int64)  # bit b set = block b available for the pair
    cosines: list[FloatArray] = []
    for bit, block in enumerate(blocks):
        both = np.outer(block.present, block.present)
        cosine = np.clip(block.vectors @ block.vectors.T, -1.0, 1.0)
        cosines.append(cosine)
        w = BLOCK_WEIGHTS[block.name]
        total += np.where(both, w * cosine, 0.0)
        weight += np.where(both, w, 0.0)
        count += both
        pattern |= both.astype(np.int64) << bit
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    full = (1 << len(blocks)) - 1
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    is_full = upper & (pattern == full)
    calibrated = 0
    points = 0
    for subset in sorted(set(np.unique(pattern[upper]).tolist()) - {0, full}):
        if is_full.sum() < MIN_CALIBRATION_PAIRS:
            continue  # too few all-block pairs to learn the scale: keep the plain mean
        members = [b for b in range(len(blocks)) if subset >> b & 1]
        weights = [BLOCK_WEIGHTS[blocks[b].name] for b in members]
        x_full = np.zeros(int(is_full.sum()))
        for w, b in zip(weights, members, strict=True):
            x_full += w * cosines[b][is_full]
        centre_x, centre_y = _binned_map(x_full / sum(weights), values[is_full])
        mask = pattern == subset
        values[mask] = np.interp(values[mask], centre_x, centre_y)
        calibrated += int((mask & upper).sum())
        points = max(points, len(centre_x))
    np.fill_diagonal(values, np.nan)
    return Similarity(values, count, calibrated, points)


def _format(value: float) -> str:
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def _neighbour_rows(
    codes: Sequence[str], sim: Similarity, neighbours: int
) -> tuple[list[tuple[str, str, int, str, int]], list[list[int]]]:
    n = len(codes)
    code_rank = np.argsort(np.array(codes), kind="stable")  # ties by code, not by row
    order_by_code = np.empty(n, dtype=np.intp)
    order_by_code[code_rank] = np.arange(n)
    rows: list[tuple[str, str, int, str, int]] = []
    lists: list[list[int]] = []
    for i in range(n):
        valid = np.flatnonzero(~np.isnan(sim.values[i]))
        written = [_format(float(v)) for v in sim.values[i, valid]]  # rank on what is written
        rounded = np.array([float(text) for text in written])
        picked = np.lexsort((order_by_code[valid], -rounded))[:neighbours]
        lists.append(valid[picked].tolist())
        for rank, k in enumerate(picked, start=1):
            j = int(valid[k])
            rows.append((codes[i], codes[j], rank, written[k], int(sim.blocks[i, j])))
    return rows, lists


def _write(path: Path, rows: Sequence[tuple[str, str, int, str, int]]) -> bytes:
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(map(str, row)) for row in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=READABLE)  # committed data: readable by all
    return data


def build_similar_work(
    raw_dir: Path, catalogue: Catalogue, out_dir: Path, *, neighbours: int = 20
) -> dict[str, Any]:
    """Write ``out_dir/similar_work.tsv`` from the raw O*NET files and return a summary.

    ``raw_dir`` is the raw data folder (``DEFAULT_RAW_DIR``, holding ``onet_29_3/``);
    ``catalogue`` anything with ``codes`` and ``titles`` (a ``recommender.catalogue.Catalogue``).
    """
    if neighbours < 1:
        raise ValueError(f"neighbours must be at least 1, got {neighbours}")
    started = time.perf_counter()
    raw_dir = Path(raw_dir)
    codes = [str(code) for code in catalogue.codes]
    titles = [str(title) for title in catalogue.titles]
    if len(set(codes)) != len(codes):
        raise ValueError("catalogue codes are not unique")
    blocks = [
        _descriptor_block(raw_dir, "skills", codes),
        _descriptor_block(raw_dir, "knowledge", codes),
        _descriptor_block(raw_dir, "work_styles", codes),
        _task_block(raw_dir, codes),
    ]
    sim = _similarity(blocks)
    rows, lists = _neighbour_rows(codes, sim, neighbours)
    path = Path(out_dir) / FILE_NAME
    data = _write(path, rows)

    present = np.stack([block.present for block in blocks])
    no_blocks = [codes[i] for i in np.flatnonzero(~present.any(axis=0))]
    major = [code[:2] for code in codes]
    with_rows = [i for i in range(len(codes)) if lists[i]]
    same_major_top5 = sum(any(major[j] == major[i] for j in lists[i][:5]) for i in with_rows)
    full = np.asarray(present.all(axis=0), dtype=bool).tolist()
    full_rows = [i for i in with_rows if full[i]]
    # how often an occupation lacking blocks is a neighbour of one that has them all
    partial_slots = sum(sum(not full[j] for j in lists[i]) for i in full_rows)
    index = {code: i for i, code in enumerate(codes)}
    sanity = {
        code: {
            "title": titles[index[code]],
            "neighbours": [
                (codes[j], titles[j], round(float(sim.values[index[code], j]), 4))
                for j in lists[index[code]][:5]
            ],
        }
        for code in SANITY_CODES
        if code in index
    }
    return {
        "path": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": len(rows),
        "occupations": len(codes),
        "occupations_with_rows": len(with_rows),
        "neighbours": neighbours,
        "no_blocks": no_blocks,
        "blocks": {
            block.name: {
                "weight": BLOCK_WEIGHTS[block.name],
                "features": block.features,
                "present": int(block.present.sum()),
                "lacking": int((~block.present).sum()),
                "lacking_codes": [codes[i] for i in np.flatnonzero(~block.present)],
                "filled_elements": block.filled_elements,
            }
            for block in blocks
        },
        "rows_by_blocks": {
            str(k): sum(1 for row in rows if row[4] == k) for k in range(1, len(blocks) + 1)
        },
        "calibrated_pairs": sim.calibrated_pairs,
        "calibration_points": sim.calibration_points,
        "partial_neighbour_share": (
            partial_slots / sum(len(lists[i]) for i in full_rows) if full_rows else math.nan
        ),
        "same_major_group_in_top5": same_major_top5 / len(with_rows) if with_rows else math.nan,
        "sanity": sanity,
        "attribution": ATTRIBUTION,
        "seconds": round(time.perf_counter() - started, 2),
    }


# ---------------------------------------------------------------------------------------------
# reading the committed file


def load_similar_work(
    codes: Sequence[str], folder: Path = DEFAULT_BENCHMARK_DIR, k: int = 10
) -> list[npt.NDArray[np.intp]]:
    """For each code (catalogue row order) the row indices of its ``k`` most similar occupations.

    Best first; an empty array for a code with no rows. Raises ``ValueError`` naming the row and
    column when the file is missing or malformed or names a code not in ``codes``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    index = {str(code): i for i, code in enumerate(codes)}
    if len(index) != len(codes):
        raise ValueError("codes are not unique")
    path = Path(folder) / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"{path}, row 0 (header): expected columns {', '.join(COLUMNS)}")

    def fail(row: int, column: str, message: str) -> ValueError:
        return ValueError(f"{path}, row {row}, column {column!r}: {message}")

    found: dict[int, list[int]] = {}
    last_similarity = math.inf
    previous = ""
    for row, line in enumerate(lines[1:], start=1):
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise ValueError(
                f"{path}, row {row}: expected {len(COLUMNS)} tab-separated fields, "
                f"got {len(fields)}"
            )
        code, similar, rank_text, similarity_text, blocks_text = fields
        if code not in index:
            raise fail(row, "code", f"unknown occupation code {code!r}")
        if similar not in index:
            raise fail(row, "similar_code", f"unknown occupation code {similar!r}")
        if similar == code:
            raise fail(row, "similar_code", "an occupation cannot be its own neighbour")
        i, j = index[code], index[similar]
        if code != previous and i in found:
            raise fail(row, "code", f"rows of {code} are not contiguous")
        if code != previous:
            last_similarity = math.inf
        previous = code
        listed = found.setdefault(i, [])
        if not rank_text.isdigit() or int(rank_text) != len(listed) + 1:
            raise fail(
                row, "rank", f"expected rank {len(listed) + 1} for {code}, got {rank_text!r}"
            )
        if j in listed:
            raise fail(row, "similar_code", f"{similar} listed twice for {code}")
        try:
            similarity = float(similarity_text)
        except ValueError:
            raise fail(row, "similarity", f"not a number: {similarity_text!r}") from None
        if not -1.0 <= similarity <= 1.0:
            raise fail(row, "similarity", f"outside -1..1: {similarity_text!r}")
        if similarity > last_similarity:
            raise fail(row, "similarity", "similarity increases with rank")
        if not blocks_text.isdigit() or not 1 <= int(blocks_text) <= len(BLOCKS):
            raise fail(row, "blocks", f"expected 1..{len(BLOCKS)}, got {blocks_text!r}")
        last_similarity = similarity
        listed.append(j)
    return [np.asarray(found.get(i, [])[:k], dtype=np.intp) for i in range(len(codes))]
