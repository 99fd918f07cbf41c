# ruff: noqa: E501  (one sentence per line reads better than split strings)
"""Words of the student pages in English and Spanish; coach and staff pages are in English."""

from __future__ import annotations

from typing import Final

from recommender.dimensions import RIASEC_EVERYDAY_NAMES

LANGUAGES: Final = ("en", "es")
LANG_COOKIE: Final = "pathways_lang"

_STUDENT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "skip": "Skip to main content",
        "language": "Language",
        "switch_to": "Español",
        "switch_lang": "es",
        "start_title": "Start your assessment",
        "start_intro": (
            "Type the access code your career coach gave you. "
            "If you already started, the same kind of code lets you pick up where you left off."
        ),
        "code_label": "Access code",
        "code_hint": "8 letters and numbers, for example ABCD-2345",
        "start_button": "Start",
        "code_error": "That code did not work. It may be used or expired; ask your coach for a new one.",
        "code_bad_character": "The code holds a character that is not allowed. Type the code again.",
        "progress": "Progress",
        "answered": "answered",
        "section": "Section",
        "of": "of",
        "next": "Next section",
        "back": "Previous section",
        "saved": "All answers saved.",
        "saving": "Saving…",
        "saved_local": "Saved on this device. We will send your answers when the connection is back.",
        "noscript": "This assessment needs JavaScript turned on.",
        "welcome_text": (
            "This takes about one class period. There are no right or wrong answers in the parts "
            "about what you like and what matters to you. Your answers save as you go, so if the "
            "connection drops or the page reloads, nothing is lost."
        ),
        "begin": "Begin",
        "timer": "Time left",
        "start_task": "Start this task",
        "finish_task": "I am done with this task",
        "task_done": "Done. Your answers to this task are saved.",
        "task_time": "You will have {minutes} minutes. The timer starts when you press the button.",
        "task_over": "Time is up for this task.",
        "choice": "Choice",
        "shape": "Shape",
        "first_shape": "The first shape",
        "fig_gears": "Drawing: {n} gears in a row with {teeth} teeth; the first turns {dir}.",
        "fig_pair": "Drawing: gear A with {a} teeth meshed with gear B with {b} teeth.",
        "fig_lever": "Drawing: a bar on a pivot; a {load} pound load {la} feet from the pivot on "
        "one side, your push {ea} feet from it on the other.",
        "fig_pulley": "Drawing: a {load} pound load hanging from {ropes} ropes over pulleys.",
        "clockwise": "clockwise",
        "counterclockwise": "counterclockwise",
        "plans_prompt": "What do you plan to do after high school?",
        "county_prompt": "Which county do you live in?",
        "county_none": "Choose your county",
        "yes": "Yes",
        "no": "No",
        "submit": "See my results",
        "submit_missing": "Some parts still need answers. Go back to the sections marked below.",
        "submit_offline": "You are offline. Your answers are safe here; try again when you are online.",
        "results_title": "Your results",
        "results_intro": "Here are career pathways that fit what you told us. Talk them over with your coach.",
        "interest_chart": "Your interests",
        "interest_chart_desc": "How much you like each kind of work, from 0 (not at all) to 100 (a lot).",
        "top_pathways": "Pathways to explore",
        "jobs_like": "Jobs like",
        "not_submitted": "You have not finished the assessment yet.",
        "continue": "Continue the assessment",
        "sign_out": "Sign out",
        "needs_more": "needs more answers",
        "why_fits": "Why it fits",
        "think_about": "Things to think about",
    },
    "es": {
        "skip": "Saltar al contenido principal",
        "language": "Idioma",
        "switch_to": "English",
        "switch_lang": "en",
        "start_title": "Empieza tu evaluación",
        "start_intro": (
            "Escribe el código de acceso que te dio tu consejero. "
            "Si ya empezaste, un código nuevo te deja seguir donde te quedaste."
        ),
        "code_label": "Código de acceso",
        "code_hint": "8 letras y números, por ejemplo ABCD-2345",
        "start_button": "Empezar",
        "code_error": "Ese código no funcionó. Puede estar usado o vencido; pide uno nuevo a tu consejero.",
        "code_bad_character": "El código tiene un carácter que no se permite. Escribe el código otra vez.",
        "progress": "Avance",
        "answered": "respondidas",
        "section": "Sección",
        "of": "de",
        "next": "Siguiente sección",
        "back": "Sección anterior",
        "saved": "Todas las respuestas están guardadas.",
        "saving": "Guardando…",
        "saved_local": "Guardado en este equipo. Enviaremos tus respuestas cuando vuelva la conexión.",
        "noscript": "Esta evaluación necesita JavaScript activado.",
        "welcome_text": (
            "Esto toma más o menos una clase. No hay respuestas buenas ni malas en las partes sobre "
            "lo que te gusta y lo que te importa. Tus respuestas se guardan solas, así que si se cae "
            "la conexión o se recarga la página, no pierdes nada."
        ),
        "begin": "Comenzar",
        "timer": "Tiempo restante",
        "start_task": "Empezar esta tarea",
        "finish_task": "Terminé esta tarea",
        "task_done": "Listo. Tus respuestas de esta tarea están guardadas.",
        "task_time": "Tendrás {minutes} minutos. El reloj empieza cuando oprimas el botón.",
        "task_over": "Se acabó el tiempo de esta tarea.",
        "choice": "Opción",
        "shape": "Figura",
        "first_shape": "La primera figura",
        "fig_gears": "Dibujo: {n} engranajes en fila con {teeth} dientes; el primero gira {dir}.",
        "fig_pair": "Dibujo: el engranaje A con {a} dientes engrana con el B con {b} dientes.",
        "fig_lever": "Dibujo: una barra sobre un pivote; una carga de {load} libras a {la} pies "
        "del pivote de un lado y tu empuje a {ea} pies del otro.",
        "fig_pulley": "Dibujo: una carga de {load} libras colgada de {ropes} cuerdas con poleas.",
        "clockwise": "en el sentido de las agujas del reloj",
        "counterclockwise": "en sentido contrario a las agujas del reloj",
        "plans_prompt": "¿Qué piensas hacer después de la prepa?",
        "county_prompt": "¿En qué condado vives?",
        "county_none": "Elige tu condado",
        "yes": "Sí",
        "no": "No",
        "submit": "Ver mis resultados",
        "submit_missing": "Faltan respuestas en algunas partes. Vuelve a las secciones marcadas abajo.",
        "submit_offline": "No hay conexión. Tus respuestas están a salvo aquí; inténtalo otra vez al volver.",
        "results_title": "Tus resultados",
        "results_intro": "Estas rutas de carrera encajan con lo que nos contaste. Platícalas con tu consejero.",
        "interest_chart": "Tus intereses",
        "interest_chart_desc": "Cuánto te gusta cada tipo de trabajo, de 0 (nada) a 100 (mucho).",
        "top_pathways": "Rutas para explorar",
        "jobs_like": "Empleos como",
        "not_submitted": "Todavía no terminas la evaluación.",
        "continue": "Seguir con la evaluación",
        "sign_out": "Cerrar sesión",
        "needs_more": "faltan respuestas",
        "why_fits": "Por qué encaja",
        "think_about": "Cosas que pensar",
    },
}

#: How pages label reasons: facts that speak for a job, facts to think about, neutral facts.
_REASON_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "why": "Why",
        "why_fits": "Why it fits",
        "think_about": "Things to think about",
        "other_facts": "Other facts",
        "high_value": "high value",
        "unchecked": (
            "The reasons for this result were saved before they were checked against the "
            "figures, so they are not shown; they will be when the result is next worked out."
        ),
    },
    "es": {
        "why": "Por qué",
        "why_fits": "Por qué encaja",
        "think_about": "Cosas que pensar",
        "other_facts": "Otros datos",
        "high_value": "alto valor",
        "unchecked": (
            "Las razones de este resultado se guardaron antes de compararlas con las cifras, así "
            "que no se muestran; aparecerán la próxima vez que se calcule el resultado."
        ),
    },
}

#: How a page says that an occupation's jobs and wage are its OEWS group's, not its own.
#: ``{group}`` is ``group_named`` (the group's title) or ``group_unnamed`` (its SOC code);
#: ``{size}`` is how many catalogue titles share the figures.
_GROUP_FIGURES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "group_named": "“{title}”",
        "group_unnamed": "SOC {code}",
        "group_jobs": "all jobs in the {group} group, shared by {size} job titles",
        "group_jobs_one": "all jobs in the {group} group, not this title's alone",
        "group_wage": "median of the whole {group} group",
        "group_legend": (
            "Group figure: the government publishes one count of jobs and one wage for a group of "
            "related job titles, so the figures shown are the whole group's, not this title's "
            "alone. The ranking counts an even share of the group's jobs for each title."
        ),
    },
    "es": {
        "group_named": "“{title}”",
        "group_unnamed": "SOC {code}",
        "group_jobs": "todos los empleos del grupo {group}, compartidos por {size} títulos de empleo",
        "group_jobs_one": "todos los empleos del grupo {group}, no solo de este título",
        "group_wage": "mediana de todo el grupo {group}",
        "group_legend": (
            "Cifra del grupo: el gobierno publica un solo número de empleos y un solo sueldo para "
            "un grupo de títulos de empleo parecidos, así que las cifras son de todo el grupo, no "
            "solo de este título. La clasificación cuenta para cada título una parte igual de los "
            "empleos del grupo."
        ),
    },
}

#: RIASEC letter -> everyday name, per language (for charts a student reads).
RIASEC_NAMES: Final = RIASEC_EVERYDAY_NAMES

APTITUDE_NAMES: Final[dict[str, str]] = {
    "verbal": "Verbal",
    "quantitative": "Number problems",
    "spatial": "Turning shapes",
    "mechanical": "Mechanical",
    "perceptual_speed": "Checking details fast",
}

ACTIVITY_LABELS: Final[dict[str, str]] = {
    "one_on_one": "One-on-one session",
    "group_session": "Group session",
    "planning_session": "Planning session",
    "job_shadow": "Job shadow",
    "job_application": "Job application",
    "guest_speaker": "Guest speaker",
    "parent_conversation": "Parent conversation",
}


def pick_language(value: str | None) -> str:
    """``value`` when it is a supported language code, else English."""
    return value if value in LANGUAGES else "en"


def student_text(language: str) -> dict[str, str]:
    """Every student-page string in ``language`` ('en' or 'es'; anything else gives English)."""
    return _STUDENT[pick_language(language)]


def reason_words(language: str) -> dict[str, str]:
    """The words that head and label reasons on a page, in ``language`` ('en' or 'es')."""
    return _REASON_WORDS[pick_language(language)]


def group_figures_text(language: str) -> dict[str, str]:
    """The words that label a group's employment and wage, in ``language`` ('en' or 'es')."""
    return _GROUP_FIGURES[pick_language(language)]
