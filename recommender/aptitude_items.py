"""Procedurally generated aptitude items: fresh, equivalent items per student; keys kept on server.

Every item is a pure function of ``(subtest, seed, index)``. A 64-bit counter-based generator
(splitmix64) turns those three values into eight 64-bit words; the first words fix the item's
generating parameters (kind, sizes, numbers), from which both its answer key and its predicted
difficulty follow, and the last word seeds the drawing of the prompt and the distractors. The
page receives only what :func:`issue_items` returns (prompt data and options, never the key);
the server keeps the seed and recomputes the key with :func:`verify_answer` or, for many items
at once, :func:`compute_item_parameters`.

Difficulty model (the same for every seed, so items are equivalent across students): each item
gets a predicted Rasch difficulty ``b`` (logits; the reference population's ability is taken as
N(0, 1)) from its generating parameters::

    quantitative   b = base(kind) + feature terms (see _quantitative_parameters)
    spatial        b = -0.6 + 0.5 * (cells - 4) + 0.5 * [angle == 180]
    mechanical     b = base(kind) + feature terms (see _mechanical_parameters)
    perceptual     b = base(difference type) + 0.2 * (length - 5)

The probability of a correct answer is ``c + (1 - c) * logistic(theta - b)`` with the guessing
floor ``c = 1 / options``. The coefficients are design values, not yet calibrated on students;
``pathways assessment reliability`` reports the observed proportion correct per position so they
can be recalibrated.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import InstrumentError, UnknownItemError

SUBTESTS: Final = ("quantitative", "spatial", "mechanical", "perceptual_speed")
LANGUAGES: Final = ("en", "es")

_ID_PREFIX: Final = {
    "quantitative": "q",
    "spatial": "s",
    "mechanical": "m",
    "perceptual_speed": "p",
}
_SALT: Final = {
    "quantitative": 0x51A7_3C9E_0D4B_1F27,
    "spatial": 0x2B8F_64E1_97C3_5A0D,
    "mechanical": 0x7E02_D9A4_3B61_C8F5,
    "perceptual_speed": 0x4C95_1E7B_A2D0_36F9,
}
_WORDS: Final = 8
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class IssuedItem:
    """One item as the page sees it: an opaque id, prompt data and options, never the key."""

    id: str
    subtest: str
    index: int
    prompt: Mapping[str, Any]
    options: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict for the page (no key, no seed)."""
        return {
            "id": self.id,
            "subtest": self.subtest,
            "index": self.index,
            "prompt": dict(self.prompt),
            "options": list(self.options),
        }


@dataclass(frozen=True)
class ItemParameters:
    """Keys, option counts and predicted Rasch difficulties for a batch of items, aligned arrays."""

    key: _I64
    n_options: _I64
    difficulty: _F64


# --------------------------------------------------------------------------- generator words


def _splitmix(x: _U64) -> _U64:
    """Mix 64-bit words (splitmix64 finaliser); arrays wrap modulo 2**64."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: _U64 = z ^ (z >> np.uint64(31))
    return out


def _words(subtest: str, seeds: _U64, indexes: _U64) -> _U64:
    """Return the (N, 8) generator words of items (subtest, seeds[i], indexes[i])."""
    salt = np.uint64(_SALT[subtest])
    base = _splitmix(_splitmix(seeds ^ salt) + indexes)
    steps = np.arange(_WORDS, dtype=np.uint64)
    out: _U64 = _splitmix(base[:, None] + steps[None, :])
    return out


def _pick(word: _U64, m: int) -> _I64:
    """Return word mod m as int64 (uniform enough for m << 2**64)."""
    out: _I64 = (word % np.uint64(m)).astype(np.int64)
    return out


def _check_subtest(subtest: str) -> None:
    if subtest not in _SALT:
        raise UnknownItemError(f"aptitude.{subtest}", "no such subtest")


def _check_seed(seed: int) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ValueError(f"aptitude seed must be an integer in [0, 2**63), got {seed!r}")


# --------------------------------------------------------------------------- parameters


def _quantitative_parameters(w: _U64) -> dict[str, Any]:
    kind = _pick(w[:, 1], 5)
    a, b_, c = _pick(w[:, 2], 720720), _pick(w[:, 3], 720720), _pick(w[:, 4], 720720)
    # kind 0: sale price. price 20..120 step 20; percent off from (50, 10, 20, 25)
    price = 20 * (1 + a % 6)
    pct_ix = b_ % 4
    pct = np.array([50, 10, 20, 25])[pct_ix]
    # kind 1: distance = speed x time; half hours are harder
    speed = np.array([40, 50, 60, 70])[a % 4]
    hours = 2 + b_ % 4
    half = c % 2
    # kind 2: proportion (recipe): unit u per batch, bq batches given, asked for cq batches
    unit = 2 + a % 3
    given = 2 + b_ % 3
    asked = np.array([5, 6, 7, 9, 10])[c % 5]
    # kind 3: number series: start, step, pattern (0 arithmetic, 1 growing step, 2 doubling)
    start = 2 + a % 9
    step = 2 + b_ % 6
    pattern = c % 3
    # kind 4: two steps: boxes x per box - sold
    boxes = 3 + a % 6
    per_box = np.array([6, 8, 12, 24])[b_ % 4]
    sold = 1 + c % (boxes * per_box - 1)
    answer = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [
            price * (100 - pct) // 100,
            speed * hours + half * speed // 2,
            unit * asked,
            np.select(
                [pattern == 0, pattern == 1],
                [start + 4 * step, start + 10 * step],
                start * 16,
            ),
        ],
        boxes * per_box - sold,
    )
    difficulty = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [
            -0.9 + np.array([0.0, 0.4, 0.6, 0.9])[pct_ix],
            -0.8 + 0.2 * (hours - 2) + 0.8 * half,
            -0.2 + 0.1 * (unit - 2) + 0.15 * (given - 2),
            np.array([-1.0, 0.4, -0.2])[pattern] + 0.05 * (step - 2),
        ],
        0.4 + 0.3 * (per_box >= 12) + 0.05 * (boxes - 3),
    )
    return {
        "kind": kind,
        "n_options": np.full(len(w), 4, dtype=np.int64),
        "key": _pick(w[:, 0], 4),
        "difficulty": difficulty.astype(np.float64),
        "answer": answer.astype(np.int64),
        "price": price,
        "pct": pct,
        "speed": speed,
        "hours": hours,
        "half": half,
        "unit": unit,
        "given": given,
        "asked": asked,
        "start": start,
        "step": step,
        "pattern": pattern,
        "boxes": boxes,
        "per_box": per_box,
        "sold": sold,
    }


def _spatial_parameters(w: _U64) -> dict[str, Any]:
    cells = 4 + _pick(w[:, 1], 3)
    angle = 90 * (1 + _pick(w[:, 2], 3))
    difficulty = -0.6 + 0.5 * (cells - 4) + 0.5 * (angle == 180)
    return {
        "n_options": np.full(len(w), 4, dtype=np.int64),
        "key": _pick(w[:, 0], 4),
        "difficulty": difficulty.astype(np.float64),
        "cells": cells,
        "angle": angle,
    }


def _mechanical_parameters(w: _U64) -> dict[str, Any]:
    kind = _pick(w[:, 1], 4)
    a, b_, c, d = (_pick(w[:, j], 720720) for j in (2, 3, 4, 5))
    # kind 0: direction of the last gear in a chain of 2..6 gears; options (cw, ccw)
    gears = 2 + a % 5
    first = b_ % 2
    # kind 1: turns of gear B driven by gear A
    small = np.array([10, 12, 15, 20])[a % 4]
    ratio = 2 + b_ % 3
    reduce = c % 2  # 1: a small gear drives a big one (B turns fewer times)
    turns = 1 + d % 4
    # kind 2: lever force = load x load arm / effort arm
    effort_arm = np.array([2, 3, 4, 6])[a % 4]
    load_arm = 1 + b_ % 2
    load = effort_arm * 5 * (2 + c % 6)
    # kind 3: pulley pull = load / supporting ropes
    ropes = 1 + a % 4
    pulley_load = ropes * 10 * (2 + b_ % 8)
    n_options = np.where(kind == 0, 2, 4).astype(np.int64)
    key = np.where(kind == 0, (first + gears - 1) % 2, _pick(w[:, 0], 4)).astype(np.int64)
    answer = np.select(
        [kind == 0, kind == 1, kind == 2],
        [
            (first + gears - 1) % 2,
            np.where(reduce == 1, turns, turns * ratio),
            load * load_arm // effort_arm,
        ],
        pulley_load // ropes,
    )
    difficulty = np.select(
        [kind == 0, kind == 1, kind == 2],
        [
            -1.0 + 0.25 * (gears - 2),
            0.0 + 0.4 * reduce + 0.1 * (ratio - 2),
            0.2 + 0.4 * (load_arm - 1),
        ],
        -0.6 + 0.3 * (ropes - 1),
    )
    return {
        "kind": kind,
        "n_options": n_options,
        "key": key,
        "difficulty": difficulty.astype(np.float64),
        "answer": answer.astype(np.int64),
        "gears": gears,
        "first": first,
        "small": small,
        "ratio": ratio,
        "reduce": reduce,
        "turns": turns,
        "effort_arm": effort_arm,
        "load_arm": load_arm,
        "load": load,
        "ropes": ropes,
        "pulley_load": pulley_load,
    }


def _perceptual_parameters(w: _U64) -> dict[str, Any]:
    length = 5 + _pick(w[:, 1], 4)
    same = _pick(w[:, 2], 2) == 0
    change = _pick(w[:, 3], 3)  # 0 different character, 1 look-alike character, 2 swapped pair
    base = np.where(same, -0.8, np.array([-1.3, -0.2, -0.6])[change])
    return {
        "n_options": np.full(len(w), 2, dtype=np.int64),
        "key": np.where(same, 0, 1).astype(np.int64),
        "difficulty": (base + 0.2 * (length - 5)).astype(np.float64),
        "length": length,
        "same": same,
        "change": change,
    }


_PARAMETERS: Final = {
    "quantitative": _quantitative_parameters,
    "spatial": _spatial_parameters,
    "mechanical": _mechanical_parameters,
    "perceptual_speed": _perceptual_parameters,
}


def _parameters(subtest: str, seeds: _U64, indexes: _U64) -> tuple[_U64, dict[str, Any]]:
    w = _words(subtest, seeds, indexes)
    return w, _PARAMETERS[subtest](w)


def compute_item_parameters(
    subtest: str, seeds: npt.ArrayLike, indexes: npt.ArrayLike
) -> ItemParameters:
    """Return keys, option counts and Rasch b (logits) of items (seeds[i], indexes[i])."""
    _check_subtest(subtest)
    s = np.atleast_1d(np.asarray(seeds, dtype=np.uint64))
    i = np.atleast_1d(np.asarray(indexes, dtype=np.uint64))
    s, i = np.broadcast_arrays(s, i)
    _, p = _parameters(subtest, np.ascontiguousarray(s), np.ascontiguousarray(i))
    return ItemParameters(key=p["key"], n_options=p["n_options"], difficulty=p["difficulty"])


def item_difficulties(subtest: str, seed: int, n: int) -> _F64:
    """Return the predicted Rasch b (logits) of items 0..n-1 issued under seed."""
    _check_seed(seed)
    return compute_item_parameters(subtest, seed, np.arange(n)).difficulty


def verify_answer(subtest: str, seed: int, index: int, answer: int) -> bool:
    """Return True when answer (0-based option position) is the key of item (subtest, seed, index).

    Raises ValueError when answer is not an option position of that item.
    """
    _check_seed(seed)
    if not isinstance(index, int) or index < 0:
        raise ValueError(f"aptitude item index must be a non-negative integer, got {index!r}")
    p = compute_item_parameters(subtest, seed, index)
    n_options = int(p.n_options[0])
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < n_options:
        raise ValueError(
            f"{subtest} item {index}: answer must be an option position 0..{n_options - 1}, "
            f"got {answer!r}"
        )
    return answer == int(p.key[0])


def new_seed() -> int:
    """Return a fresh secret seed in [0, 2**63) to store server-side."""
    return secrets.randbits(63)


def make_item_id(subtest: str, index: int) -> str:
    """Return the opaque item id the page sees, e.g. 'q03'; it carries no key information."""
    return f"{_ID_PREFIX[subtest]}{index:02d}"


# --------------------------------------------------------------------------- rendering

_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "q0": "A jacket costs ${price}. It is on sale for {pct}% off. What is the sale price?",
        "q1": "A truck goes {speed} miles each hour. How far does it go in {time}?",
        "q2": "A recipe uses {amount} cups of rice for {given} pans. "
        "How many cups for {asked} pans?",
        "q3": "What number comes next? {series}, ...",
        "q4": "A store gets {boxes} boxes with {per_box} cans in each box. It sells {sold}. "
        "How many cans are left?",
        "hours": "{h} hours",
        "hours_half": "{h} and a half hours",
        "dollars": "${v}",
        "dollars_one": "${v}",
        "miles": "{v} miles",
        "miles_one": "{v} mile",
        "cups": "{v} cups",
        "cups_one": "{v} cup",
        "cans": "{v} cans",
        "cans_one": "{v} can",
        "feet": "{v} feet",
        "feet_one": "{v} foot",
        "times": "{v} times",
        "times_one": "{v} time",
        "s": "Which shape is the same as the first one, only turned? (Flipped shapes are wrong.)",
        "m0": "The first gear turns {dir}. Which way does the last gear turn?",
        "m1": "Gear A has {a} teeth and turns {turns}. "
        "It drives gear B, which has {b} teeth. How many times does gear B turn?",
        "m2": "A bar rests on a pivot. "
        "A load of {load} pounds sits {load_arm} from the pivot. "
        "You push down {effort_arm} from the pivot on the other side. "
        "How hard must you push to lift the load?",
        "m3": "A load of {load} pounds hangs from pulleys. {ropes} parts of the rope hold it up "
        "and share its weight equally. How hard must you pull the free end to lift the load?",
        "m3_one": "A load of {load} pounds hangs from a rope that runs over one pulley. "
        "1 part of the rope holds it up. "
        "How hard must you pull the free end to lift the load?",
        "turns": "{v} turns",
        "turns_one": "{v} turn",
        "pounds": "{v} pounds",
        "pounds_one": "{v} pound",
        "clockwise": "Clockwise",
        "counterclockwise": "Counterclockwise",
        "p": "Are the two codes exactly the same?",
        "same": "Same",
        "different": "Different",
        "fig_gears": "Drawing: {n} gears in a row with {teeth} teeth; the first turns {dir}.",
        "fig_pair": "Drawing: gear A with {a} teeth meshed with gear B with {b} teeth.",
        "fig_lever": "Drawing: a bar on a pivot; a load of {load} pounds {la} from the pivot on "
        "one side, your push {ea} from it on the other.",
        "fig_pulley": "Drawing: a load of {load} pounds under pulley wheels; {ropes} parts of the "
        "rope hold it up, and the free end comes down on the right, where you pull.",
        "fig_pulley_one": "Drawing: a load of {load} pounds on a rope that goes up over one pulley "
        "wheel and comes down on the right, where you pull.",
        "ex_quantitative": "Answer {choice}: {answer}. Half of $40 is $20, so the jacket costs "
        "$20 on sale.",
        "ex_spatial": "Answer {choice}. It is the first shape given a quarter turn. The other "
        "shapes are flipped copies, so they are wrong.",
        "ex_mechanical": "Answer {choice}: {answer}. 2 parts of the rope share the 60 pounds, "
        "so you pull with half of it.",
        "ex_perceptual_speed": "Answer {choice}: {answer}. The fourth character is P in the "
        "first code and R in the second.",
    },
    "es": {
        "q0": "Una chaqueta cuesta ${price}. Tiene {pct}% de descuento. ¿Cuál es el precio final?",
        "q1": "Un camión recorre {speed} millas cada hora. ¿Cuánto recorre en {time}?",
        "q2": "Una receta usa {amount} tazas de arroz para {given} bandejas. "
        "¿Cuántas tazas hacen falta para {asked} bandejas?",
        "q3": "¿Qué número sigue? {series}, ...",
        "q4": "Una tienda recibe {boxes} cajas con {per_box} latas cada una. Vende {sold}. "
        "¿Cuántas latas quedan?",
        "hours": "{h} horas",
        "hours_half": "{h} horas y media",
        "dollars": "${v}",
        "dollars_one": "${v}",
        "miles": "{v} millas",
        "miles_one": "{v} milla",
        "cups": "{v} tazas",
        "cups_one": "{v} taza",
        "cans": "{v} latas",
        "cans_one": "{v} lata",
        "feet": "{v} pies",
        "feet_one": "{v} pie",
        "times": "{v} vueltas",
        "times_one": "{v} vuelta",
        "s": "¿Qué figura es igual a la primera, solo que girada? "
        "(Las figuras volteadas no valen.)",
        "m0": "El primer engranaje gira {dir}. ¿Hacia dónde gira el último engranaje?",
        "m1": "El engranaje A tiene {a} dientes y da {turns}. Mueve al engranaje B, "
        "que tiene {b} dientes. ¿Cuántas vueltas da el engranaje B?",
        "m2": "Una barra se apoya en un punto fijo. "
        "Una carga de {load} libras está a {load_arm} del punto. "
        "Empujas hacia abajo a {effort_arm} del punto, del otro lado. "
        "¿Con cuánta fuerza hay que empujar para levantar la carga?",
        "m3": "Una carga de {load} libras cuelga de unas poleas. {ropes} tramos de la cuerda la "
        "sostienen y reparten su peso por igual. "
        "¿Con cuánta fuerza hay que jalar el extremo libre para levantar la carga?",
        "m3_one": "Una carga de {load} libras cuelga de una cuerda que pasa por una sola polea. "
        "1 tramo de la cuerda la sostiene. "
        "¿Con cuánta fuerza hay que jalar el extremo libre para levantar la carga?",
        "turns": "{v} vueltas",
        "turns_one": "{v} vuelta",
        "pounds": "{v} libras",
        "pounds_one": "{v} libra",
        "clockwise": "En el sentido del reloj",
        "counterclockwise": "En contra del reloj",
        "p": "¿Son los dos códigos exactamente iguales?",
        "same": "Iguales",
        "different": "Diferentes",
        "fig_gears": "Dibujo: {n} engranajes en fila con {teeth} dientes; el primero gira {dir}.",
        "fig_pair": "Dibujo: el engranaje A con {a} dientes engrana con el B con {b} dientes.",
        "fig_lever": "Dibujo: una barra sobre un punto fijo; una carga de {load} libras a {la} "
        "del punto de un lado y tu empuje a {ea} del otro.",
        "fig_pulley": "Dibujo: una carga de {load} libras bajo unas poleas; {ropes} tramos de la "
        "cuerda la sostienen, y el extremo libre baja a la derecha, donde jalas.",
        "fig_pulley_one": "Dibujo: una carga de {load} libras en una cuerda que sube, pasa por "
        "una polea y baja a la derecha, donde jalas.",
        "ex_quantitative": "Respuesta {choice}: {answer}. La mitad de $40 es $20, así que la "
        "chaqueta cuesta $20 con el descuento.",
        "ex_spatial": "Respuesta {choice}. Es la primera figura con un cuarto de vuelta. Las otras "
        "figuras están volteadas, así que no valen.",
        "ex_mechanical": "Respuesta {choice}: {answer}. 2 tramos de la cuerda reparten las 60 "
        "libras, así que jalas con la mitad.",
        "ex_perceptual_speed": "Respuesta {choice}: {answer}. El cuarto carácter es P en el "
        "primer código y R en el segundo.",
    },
}


def _count(t: Mapping[str, str], unit: str, v: int) -> str:
    """``v`` with its unit, singular for exactly 1 (``unit_one``) and plural otherwise."""
    return t[f"{unit}_one" if v == 1 else unit].format(v=v)


def _distractors(
    correct: int, candidates: Sequence[int], step: int, rng: random.Random
) -> list[int]:
    """Return three distinct positive wrong answers, preferring the plausible candidates."""
    out: list[int] = []
    for v in candidates:
        if v > 0 and v != correct and v not in out:
            out.append(v)
    rng.shuffle(out)
    out = out[:3]
    k = 1
    while len(out) < 3:
        for v in (correct + k * step, correct - k * step):
            if len(out) < 3 and v > 0 and v != correct and v not in out:
                out.append(v)
        k += 1
    return out


def _place(correct: Any, wrong: Sequence[Any], key: int) -> tuple[Any, ...]:
    options = list(wrong)
    options.insert(key, correct)
    return tuple(options)


def _row(p: Mapping[str, Any], j: int) -> dict[str, int]:
    return {k: int(v[j]) for k, v in p.items() if isinstance(v, np.ndarray) and v.dtype != float}


def _vary_quantitative(q: dict[str, int], rng: random.Random) -> None:
    """Redraw the numbers of a quantitative item that neither its key nor its difficulty reads."""
    kind = q["kind"]
    if kind == 0:
        q["price"] = 20 * rng.randint(1, 10)
        q["answer"] = q["price"] * (100 - q["pct"]) // 100
    elif kind == 1:
        q["speed"] = 10 * rng.randint(3, 8)
        q["answer"] = q["speed"] * q["hours"] + q["half"] * q["speed"] // 2
    elif kind == 2:
        q["asked"] = rng.choice([a for a in range(3, 13) if a != q["given"]])
        q["answer"] = q["unit"] * q["asked"]
    elif kind == 3:
        q["start"] = rng.randint(2, 15)
        s, d = q["start"], q["step"]
        q["answer"] = (s + 4 * d, s + 10 * d, 16 * s)[q["pattern"]]
    else:
        total = q["boxes"] * q["per_box"]
        q["sold"] = rng.randint(1, total - 1)
        q["answer"] = total - q["sold"]


def _render_quantitative(
    q: Mapping[str, int], t: Mapping[str, str], rng: random.Random
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    kind, ans, key = q["kind"], q["answer"], q["key"]
    if kind == 0:
        text = t["q0"].format(price=q["price"], pct=q["pct"])
        wrong = _distractors(
            ans, [q["price"] * q["pct"] // 100, q["price"] - q["pct"], ans + 5, ans - 5], 5, rng
        )
        unit = "dollars"
    elif kind == 1:
        h = q["hours"]
        time = (t["hours_half"] if q["half"] else t["hours"]).format(h=h)
        text = t["q1"].format(speed=q["speed"], time=time)
        wrong = _distractors(ans, [q["speed"] * h, q["speed"] * (h + 1), ans + 10], 10, rng)
        unit = "miles"
    elif kind == 2:
        text = t["q2"].format(amount=q["unit"] * q["given"], given=q["given"], asked=q["asked"])
        wrong = _distractors(
            ans, [q["unit"] * q["given"] + q["asked"] - q["given"], q["asked"] * q["given"]], 2, rng
        )
        unit = "cups"
    elif kind == 3:
        s, d = q["start"], q["step"]
        if q["pattern"] == 0:
            series = [s + k * d for k in range(4)]
            near = [ans + d, ans - 1, ans + 1]
        elif q["pattern"] == 1:
            series = [s, s + d, s + 3 * d, s + 6 * d]
            near = [s + 9 * d, s + 8 * d, ans + d]
        else:
            series = [s, 2 * s, 4 * s, 8 * s]
            near = [12 * s, 10 * s, 14 * s]
        text = t["q3"].format(series=", ".join(str(v) for v in series))
        wrong = _distractors(ans, near, max(1, d), rng)
        unit = ""
    else:
        total = q["boxes"] * q["per_box"]
        sold = _count(t, "cans", q["sold"])
        text = t["q4"].format(boxes=q["boxes"], per_box=q["per_box"], sold=sold)
        wrong = _distractors(ans, [total, total + q["sold"], q["boxes"] + q["per_box"]], 2, rng)
        unit = "cans"
    if unit:
        options = _place(_count(t, unit, ans), [_count(t, unit, v) for v in wrong], key)
    else:
        options = _place(str(ans), [str(v) for v in wrong], key)
    return {"text": text}, options


#: Characters a code may hold: none that can be taken for another (no O/0, I/1/l, S/5, B/8,
#: Z/2, G/6, Q), so "different" always means a real difference a careful reader can see.
CODE_ALPHABET: Final = "ACDEFHJKLMNPRTUVWXY3479"
#: Pairs that differ by one stroke; "near miss" changes swap one for the other (harder to see
#: than a random change, but never ambiguous in print).
_NEAR_MISS: Final = (("E", "F"), ("P", "R"), ("M", "N"), ("U", "V"), ("K", "X"), ("3", "9"))


def _render_perceptual(
    q: Mapping[str, int], t: Mapping[str, str], rng: random.Random
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    n = q["length"]
    left = [rng.choice(CODE_ALPHABET) for _ in range(n)]
    right = list(left)
    if q["same"] == 0:
        p = rng.randrange(n)
        if q["change"] == 0:
            similar = {c for pair in _NEAR_MISS if left[p] in pair for c in pair}
            right[p] = rng.choice([c for c in CODE_ALPHABET if c != left[p] and c not in similar])
        elif q["change"] == 1:
            a, b = rng.choice(_NEAR_MISS)
            left[p], right[p] = (a, b) if rng.random() < 0.5 else (b, a)
        else:
            p = rng.randrange(n - 1)
            if left[p] == left[p + 1]:
                left[p + 1] = rng.choice([c for c in CODE_ALPHABET if c != left[p]])
            right = list(left)
            right[p], right[p + 1] = left[p + 1], left[p]
    return (
        {"text": t["p"], "left": "".join(left), "right": "".join(right)},
        (t["same"], t["different"]),
    )


_Cells = tuple[tuple[int, int], ...]


def _normalise(cells: Sequence[tuple[int, int]]) -> _Cells:
    r0 = min(r for r, _ in cells)
    c0 = min(c for _, c in cells)
    return tuple(sorted((r - r0, c - c0) for r, c in cells))


def rotate_cells(cells: Sequence[tuple[int, int]], angle: int) -> _Cells:
    """Return cells (row, col) turned clockwise by angle (a multiple of 90), shifted to 0, 0."""
    out = list(cells)
    for _ in range((angle // 90) % 4):
        out = [(c, -r) for r, c in out]
    return _normalise(out)


def mirror_cells(cells: Sequence[tuple[int, int]]) -> _Cells:
    """Return cells flipped left to right, shifted to row/col 0."""
    return _normalise([(r, -c) for r, c in cells])


_FALLBACK_SHAPES: Final[dict[int, _Cells]] = {
    4: ((0, 0), (1, 0), (2, 0), (2, 1)),
    5: ((0, 0), (1, 0), (2, 0), (2, 1), (3, 1)),
    6: ((0, 0), (0, 1), (1, 1), (2, 1), (2, 2), (3, 1)),
}


def _grow_shape(n: int, rng: random.Random) -> _Cells:
    """Return a random n-cell shape with no mirror symmetry and no turning symmetry."""
    for _ in range(500):
        cells = {(0, 0)}
        while len(cells) < n:
            r, c = rng.choice(sorted(cells))
            dr, dc = rng.choice(((0, 1), (1, 0), (0, -1), (-1, 0)))
            cells.add((r + dr, c + dc))
        shape = _normalise(list(cells))
        turns = {rotate_cells(shape, a) for a in (0, 90, 180, 270)}
        flips = {rotate_cells(mirror_cells(shape), a) for a in (0, 90, 180, 270)}
        if len(turns) == 4 and not turns & flips:
            return shape
    return _FALLBACK_SHAPES[n]


def _render_spatial(
    q: Mapping[str, int], t: Mapping[str, str], rng: random.Random
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    shape = _grow_shape(q["cells"], rng)
    correct = rotate_cells(shape, q["angle"])
    others = [a for a in (0, 90, 180, 270) if a != q["angle"]]
    angles = [q["angle"], *rng.sample(others, 2)]
    wrong = [rotate_cells(mirror_cells(shape), a) for a in angles]
    rng.shuffle(wrong)

    def as_list(cells: _Cells) -> list[list[int]]:
        return [[r, c] for r, c in cells]

    return (
        {"text": t["s"], "shape": as_list(shape)},
        _place(as_list(correct), [as_list(w) for w in wrong], q["key"]),
    )


def _vary_mechanical(q: dict[str, int], rng: random.Random) -> None:
    """Redraw the numbers of a mechanical item that neither its key nor its difficulty reads."""
    kind = q["kind"]
    if kind == 1:
        q["small"] = rng.choice((8, 10, 12, 15, 16, 20))
        q["turns"] = rng.randint(1, 6)
        q["answer"] = q["turns"] if q["reduce"] else q["turns"] * q["ratio"]
    elif kind == 2:
        q["load"] = q["effort_arm"] * 5 * rng.randint(2, 10)
        q["answer"] = q["load"] * q["load_arm"] // q["effort_arm"]
    elif kind == 3:
        q["pulley_load"] = q["ropes"] * 10 * rng.randint(2, 12)
        q["answer"] = q["pulley_load"] // q["ropes"]
    # kind 0: the teeth are drawn from rng, which a variant reseeds


#: Pulley drawing units: wheel radius, rope heights and the load box (viewBox coordinates).
_WHEEL_R: Final = 11
_CEILING_Y: Final = 12
_TOP_Y: Final = 42
_BOTTOM_Y: Final = 104
_LOAD_TOP: Final = 123
_LOAD_H: Final = 34


def pulley_drawing(ropes: int) -> dict[str, Any]:
    """Return the geometry of a block and tackle whose load hangs from ``ropes`` rope parts.

    One rope runs, from an anchor, up and down between fixed wheels (hung from the ceiling) and
    moving wheels (hung on the load); ``ropes`` vertical parts hold the load and a last part
    comes down from the last fixed wheel to the hand, where the pull arrow starts. Keys:
    ``segments`` [x, y_top, x, y_bottom], ``wheels`` {x, y, r, fixed}, ``anchors`` [x, y],
    ``straps`` [x1, y1, x2, y2], ``load_box`` [x, y, width, height], ``ceiling`` [x1, x2, y],
    ``arrow`` {x, y, tip} (the tip below y), ``width``, ``height``. Units are SVG viewBox units.
    """
    if not 1 <= ropes <= 6:
        raise ValueError(f"a pulley drawing has 1..6 rope parts, got {ropes}")
    r, left = _WHEEL_R, 40
    xs = [left + 2 * r * k for k in range(ropes + 1)]  # ropes holding parts, then the pull
    wheels: list[dict[str, Any]] = []
    for k in range(ropes):
        fixed = (ropes - 1 - k) % 2 == 0
        wheels.append(
            {
                "x": (xs[k] + xs[k + 1]) / 2,
                "y": _TOP_Y if fixed else _BOTTOM_Y,
                "r": r,
                "fixed": fixed,
            }
        )
    segments, anchors = [], []
    for k in range(ropes):
        around = [w for j, w in enumerate(wheels) if j in (k - 1, k)]
        top = _TOP_Y if any(w["fixed"] for w in around) else _CEILING_Y
        bottom = _BOTTOM_Y if any(not w["fixed"] for w in around) else _LOAD_TOP
        if top == _CEILING_Y:
            anchors.append([xs[k], _CEILING_Y])
        if bottom == _LOAD_TOP:
            anchors.append([xs[k], _LOAD_TOP])
        segments.append([xs[k], top, xs[k], bottom])
    hand = _BOTTOM_Y + 14
    segments.append([xs[ropes], _TOP_Y, xs[ropes], hand])
    straps = [
        [w["x"], _CEILING_Y, w["x"], w["y"]] if w["fixed"] else [w["x"], w["y"], w["x"], _LOAD_TOP]
        for w in wheels
    ]
    load_x = xs[0] - 30
    return {
        "segments": segments,
        "wheels": wheels,
        "anchors": anchors,
        "straps": straps,
        "load_box": [load_x, _LOAD_TOP, xs[ropes - 1] + 10 - load_x, _LOAD_H],
        "ceiling": [xs[0] - 34, xs[ropes] + 24, _CEILING_Y],
        "arrow": {"x": xs[ropes], "y": hand, "tip": hand + 16},
        "width": xs[ropes] + 60,
        "height": _LOAD_TOP + _LOAD_H + 8,
    }


def _render_mechanical(
    q: Mapping[str, int], t: Mapping[str, str], rng: random.Random
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    kind, ans, key = q["kind"], q["answer"], q["key"]
    if kind == 0:
        first = "clockwise" if q["first"] == 0 else "counterclockwise"
        direction = t[first].lower()
        teeth = [rng.choice((10, 12, 15, 20)) for _ in range(q["gears"])]
        label = t["fig_gears"].format(
            n=len(teeth), teeth=", ".join(str(v) for v in teeth), dir=direction
        )
        prompt = {
            "text": t["m0"].format(dir=direction),
            "figure": {"type": "gear_chain", "teeth": teeth, "first": first},
            "figure_label": label,
        }
        return prompt, (t["clockwise"], t["counterclockwise"])
    if kind == 1:
        big = q["small"] * q["ratio"]
        a, b = (q["small"], big) if q["reduce"] else (big, q["small"])
        turns_a = q["turns"] * q["ratio"] if q["reduce"] else q["turns"]
        text = t["m1"].format(a=a, b=b, turns=_count(t, "times", turns_a))
        wrong = _distractors(ans, [turns_a * q["ratio"], turns_a, turns_a + q["ratio"]], 1, rng)
        figure: dict[str, Any] = {"type": "gear_pair", "teeth": [a, b]}
        label = t["fig_pair"].format(a=a, b=b)
        unit = "turns"
    elif kind == 2:
        la, ea = _count(t, "feet", q["load_arm"]), _count(t, "feet", q["effort_arm"])
        text = t["m2"].format(load=q["load"], load_arm=la, effort_arm=ea)
        wrong = _distractors(
            ans,
            [q["load"], q["load"] * q["effort_arm"] // q["load_arm"], q["load"] // q["effort_arm"]],
            5,
            rng,
        )
        figure = {
            "type": "lever",
            "load": q["load"],
            "load_arm": q["load_arm"],
            "effort_arm": q["effort_arm"],
        }
        label = t["fig_lever"].format(load=q["load"], la=la, ea=ea)
        unit = "pounds"
    else:
        ropes = q["ropes"]
        one = "_one" if ropes == 1 else ""
        text = t["m3" + one].format(load=q["pulley_load"], ropes=ropes)
        wrong = _distractors(ans, [q["pulley_load"], q["pulley_load"] * ropes, ans + ropes], 5, rng)
        figure = {
            "type": "pulley",
            "load": q["pulley_load"],
            "ropes": ropes,
            **pulley_drawing(ropes),
        }
        label = t["fig_pulley" + one].format(load=q["pulley_load"], ropes=ropes)
        unit = "pounds"
    options = _place(_count(t, unit, ans), [_count(t, unit, v) for v in wrong], key)
    return {"text": text, "figure": figure, "figure_label": label}, options


_RENDER: Final = {
    "quantitative": _render_quantitative,
    "spatial": _render_spatial,
    "mechanical": _render_mechanical,
    "perceptual_speed": _render_perceptual,
}
_VARY: Final = {"quantitative": _vary_quantitative, "mechanical": _vary_mechanical}
#: Redraws tried before an item is allowed to repeat one already on the form (never reached in
#: the tests over many thousands of forms; the limit only bounds the loop).
_MAX_VARIANTS: Final = 64


def _signature(prompt: Mapping[str, Any], options: Sequence[Any]) -> str:
    """What a student sees of an item, as one string: equal strings are the same item."""
    shown = {k: v for k, v in prompt.items() if k != "figure_label"}
    return json.dumps([shown, list(options)], sort_keys=True)


def issue_items(subtest: str, seed: int, n: int, language: str = "en") -> tuple[IssuedItem, ...]:
    """Return items 0..n-1 of subtest under seed, in language ('en' or 'es'); no keys included.

    No item appears twice on a form: an item that would repeat an earlier one is drawn again
    with other surface numbers (a price, a load, a shape, a code), never another key position
    or difficulty, so scoring is unchanged. Item j depends only on items 0..j, so asking for
    more items never changes the first ones; both languages repeat in the same places.
    """
    _check_subtest(subtest)
    _check_seed(seed)
    if language not in _TEXT:
        raise InstrumentError("aptitude item text", f"no language {language!r}")
    if n < 0:
        raise ValueError(f"number of items must be >= 0, got {n}")
    indexes = np.arange(n, dtype=np.uint64)
    w, p = _parameters(subtest, np.full(n, seed, dtype=np.uint64), indexes)
    items = []
    seen: set[str] = set()
    english = _TEXT["en"]
    for j in range(n):
        word = int(w[j, _WORDS - 1])
        for variant in range(_MAX_VARIANTS):
            # the check runs on the English rendering so both languages vary the same items
            q = _row(p, j)
            rng = random.Random(word if variant == 0 else word ^ (variant << 64))
            if variant and subtest in _VARY:
                _VARY[subtest](q, rng)
            state = rng.getstate()
            prompt, options = _RENDER[subtest](q, english, rng)
            signature = _signature(prompt, options)
            if signature not in seen:
                break
        seen.add(signature)
        if language != "en":
            rng.setstate(state)
            prompt, options = _RENDER[subtest](q, _TEXT[language], rng)
        items.append(
            IssuedItem(
                id=make_item_id(subtest, j),
                subtest=subtest,
                index=j,
                prompt=prompt,
                options=options,
            )
        )
    return tuple(items)


#: The worked example shown, untimed, before each subtest's clock starts: fixed generating
#: numbers rendered by the subtest's own renderer, so it looks like the items that follow.
_EXAMPLES: Final[dict[str, dict[str, int]]] = {
    "quantitative": {"kind": 0, "price": 40, "pct": 50, "answer": 20, "key": 1},
    "spatial": {"cells": 4, "angle": 90, "key": 2},
    "mechanical": {"kind": 3, "ropes": 2, "pulley_load": 60, "answer": 30, "key": 0},
    "perceptual_speed": {"length": 5, "same": 0, "change": 0, "key": 1},
}


def worked_example(subtest: str, language: str = "en") -> dict[str, Any]:
    """Return the subtest's worked example: prompt, options, the key and why it is the answer.

    It is public (not a scored item; its key may be shown) and the same for every student.
    """
    _check_subtest(subtest)
    if language not in _TEXT:
        raise InstrumentError("aptitude item text", f"no language {language!r}")
    t = _TEXT[language]
    q = dict(_EXAMPLES[subtest])
    prompt, options = _RENDER[subtest](q, t, random.Random(7))
    if subtest == "perceptual_speed":
        prompt = {**prompt, "left": "KT4PX", "right": "KT4RX"}
    key = q["key"]
    answer = options[key] if isinstance(options[key], str) else ""
    return {
        "id": f"{_ID_PREFIX[subtest]}-example",
        "subtest": subtest,
        "prompt": prompt,
        "options": list(options),
        "key": key,
        "explain": t[f"ex_{subtest}"].format(choice=key + 1, answer=answer),
    }
