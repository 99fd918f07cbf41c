"""The project's Spanish titles (data/catalogue/titles_es.tsv): complete, inclusive, translated."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest

from recommender.catalogue import (
    DEFAULT_CATALOGUE_DIR,
    TRANSLATION_FILES,
    Catalogue,
    get_catalogue,
    load_catalogue,
)
from recommender.errors import CatalogueError

TITLES = DEFAULT_CATALOGUE_DIR / "titles_es.tsv"

#: Agent nouns whose masculine form alone would name only men: each must be paired ("/a").
_NOUNS = """
    técnico técnicos ingeniero ingenieros trabajador trabajadores operador operadores vendedor
    vendedores conductor conductores maestro maestros profesor profesores inspector inspectores
    supervisor supervisores director directores obrero obreros médico médicos enfermero enfermeros
    cocinero cocineros mesero meseros cajero cajeros empleado empleados mecánico mecánicos
    carpintero carpinteros plomero plomeros soldador soldadores secretario secretarios abogado
    abogados consejero consejeros contador contadores agricultor agricultores pescador pescadores
    instalador instaladores reparador reparadores diseñador diseñadores programador programadores
    desarrollador desarrolladores científico científicos biólogo biólogos psicólogo psicólogos
    jefe jefes cuidador cuidadores entrenador entrenadores coordinador coordinadores
    administrador administradores asesor asesores niñero bombero bomberos cartero
    panadero carnicero barbero joyero cerrajero zapatero relojero tapicero vidriero
    químico físico tecnólogo tecnólogos"""
MASCULINE_NOUNS = frozenset(_NOUNS.split())
#: Endings of a masculine agent noun or adjective: a title's first word with one must be paired.
MASCULINE_ENDINGS = ("ero", "eros", "dor", "dores", "tor", "tores", "sor", "ico", "icos", "ólogo")
#: English words a finished Spanish title does not contain (outside a bracketed English gloss).
_ENGLISH = """
    and of the for with except other all workers worker operators managers manager technicians
    technician specialists specialist assistants assistant teachers teacher engineers engineer
    clerks clerk helpers supervisors repairers installers nurses drivers sales service services
    systems first line setters tenders machine machines equipment postsecondary school"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())
_JOINS = frozenset({"y", "e", "o", "u", "de", "del", "para", "con", "a", "al", "entre"})
_WORD = re.compile(r"[\wáéíóúüñÁÉÍÓÚÜÑ]+(?:/[\wáéíóúñ]+)?")


def _rows() -> list[tuple[str, str, str]]:
    lines = TITLES.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code\tkind\ttitle_es"
    return [tuple(line.split("\t")) for line in lines[1:]]  # type: ignore[misc]


def masculine_only(title: str) -> list[str]:
    """The words of ``title`` that name only men (an unpaired masculine agent noun)."""
    outside = re.sub(r"\([^)]*\)", " ", title)
    words = _WORD.findall(outside)
    # a noun at the head of the title or of one of its parts (after "y", "de", ...); the same
    # word after another noun is an adjective of a thing ("servicios médicos")
    found = [
        w
        for before, w in zip(["y", *words], words, strict=False)
        if "/" not in w and w.casefold() in MASCULINE_NOUNS and before.casefold() in _JOINS
    ]
    if words and "/" not in words[0] and words[0].casefold().endswith(MASCULINE_ENDINGS):
        found.append(words[0])
    # an adjective after a paired noun agrees with both forms ("Técnico/a químico/a")
    for before, after in itertools.pairwise(words):
        paired = "/" in before and "/" not in after and len(after) > 3
        if paired and after.casefold().endswith(("o", "os")):
            found.append(after)
    return found


def english_words(title: str) -> list[str]:
    """English words left in ``title`` outside a bracketed gloss such as "(RN)"."""
    outside = re.sub(r"\([^)]*\)", " ", title)
    return [w for w in re.findall(r"[A-Za-z]+", outside) if w.casefold() in ENGLISH_WORDS]


def test_every_cluster_pathway_and_occupation_has_one_spanish_title() -> None:
    catalogue = get_catalogue()
    rows = _rows()
    keys = [(kind, code) for code, kind, _title in rows]
    assert len(keys) == len(set(keys)), "a (kind, code) appears twice"
    expected = (
        {("cluster", c.code) for c in catalogue.clusters}
        | {("pathway", p.code) for p in catalogue.pathways}
        | {("occupation", c) for c in catalogue.codes}
    )
    assert set(keys) == expected
    assert len(catalogue.codes) == 923 and len(catalogue.pathways) == 73
    assert len(catalogue.clusters) == 16
    assert all(title.strip() for _c, _k, title in rows)


def test_the_loader_exposes_title_es_for_every_entry() -> None:
    catalogue = get_catalogue()
    rows = {(kind, code): title for code, kind, title in _rows()}
    assert len(catalogue.titles_es) == len(catalogue.codes)
    for i, code in enumerate(catalogue.codes):
        assert catalogue.titles_es[i] == rows[("occupation", code)]
    assert catalogue.occupation("47-2111.00").title_es == rows[("occupation", "47-2111.00")]
    for p in catalogue.pathways:
        assert p.title_es == rows[("pathway", p.code)]
        assert p.cluster_es == rows[("cluster", p.cluster_code)]
    for c in catalogue.clusters:
        assert c.title_es == rows[("cluster", c.code)]


def test_no_title_names_only_men() -> None:
    bad = {
        (code, title): masculine_only(title)
        for code, _kind, title in _rows()
        if masculine_only(title)
    }
    assert bad == {}


@pytest.mark.parametrize(
    ("title", "flagged"),
    [
        ("Técnico de farmacia", True),
        ("Soldador", True),
        ("Personal de soporte técnico para ingenieros", True),
        ("Ingeniero/a químico", True),
        ("Técnico/a de farmacia", False),
        ("Ingeniero/a químico/a", False),
        ("Personal de enfermería", False),
        ("Especialista en redes", False),
        ("Electricista", False),
    ],
)
def test_the_masculine_check_catches_unpaired_agent_nouns(title: str, flagged: bool) -> None:
    assert bool(masculine_only(title)) is flagged


def test_no_title_is_left_in_english() -> None:
    catalogue = get_catalogue()
    english = {c: t for c, t in zip(catalogue.codes, catalogue.titles, strict=True)}
    english |= {p.code: p.title for p in catalogue.pathways}
    english |= {c.code: c.title for c in catalogue.clusters}
    left = {code: english_words(title) for code, _k, title in _rows() if english_words(title)}
    assert left == {}
    same = [code for code, _k, title in _rows() if title.casefold() == english[code].casefold()]
    assert same == []
    assert english_words("Supervisors of Office Workers") == ["Supervisors", "of", "Workers"]
    assert english_words("Enfermero/a titulado/a (RN)") == []


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, out)
    return out


def test_translations_do_not_change_the_catalogue_version(tmp_path: Path) -> None:
    """The served model names the catalogue version it was trained on; a title is not a figure."""
    out = _copy(tmp_path)
    for name in TRANSLATION_FILES:
        (out / name).unlink()
    bare: Catalogue = load_catalogue(out)
    assert bare.version == get_catalogue().version
    assert bare.titles_es == ("",) * len(bare.codes)
    assert all(p.title_es == "" for p in bare.pathways)


@pytest.mark.parametrize(
    ("line", "row", "column"),
    [
        ("99-9999.00\toccupation\tPersona inventada", 1, "code"),
        ("11-1011.00\tjob\tDirector/a", 1, "kind"),
        ("11-1011.00\toccupation\t", 1, "title_es"),
        ("11-1011.00\toccupation\t Director/a", 1, "title_es"),
    ],
)
def test_a_bad_translation_row_is_named(tmp_path: Path, line: str, row: int, column: str) -> None:
    out = _copy(tmp_path)
    (out / "titles_es.tsv").write_text(f"code\tkind\ttitle_es\n{line}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(out)
    message = str(caught.value)
    assert "titles_es.tsv" in message and str(row) in message and column in message
