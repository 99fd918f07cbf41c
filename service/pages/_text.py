# ruff: noqa: E501  (one sentence per line reads better than split strings)
"""Words of the student pages in English and Spanish; coach and staff pages are in English."""

from __future__ import annotations

from typing import Final

from recommender.dimensions import RIASEC_EVERYDAY_NAMES
from service.i18n import available_languages

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
            "Started before and stopped? Ask your coach for a new code: it takes you back to "
            "where you stopped, and the answers you gave are still there."
        ),
        "code_label": "Access code",
        "code_hint": "8 letters and numbers, for example ABCD-2345",
        "start_button": "Start",
        "code_error": (
            "That code did not work. Check it for characters that look alike: S and 5, B and 8, Z and 2. "
            "Codes never use O, 0, I, L or 1. If it still does not work, the code may be used or "
            "expired: ask your coach for a new one."
        ),
        "session_ended": (
            "You were signed out: a sign-in ends after a while, or when someone signs out on this "
            "device. Your answers are saved. To go on, ask your coach for a new access code and "
            "type it below; you will be back where you stopped."
        ),
        "code_bad_character": "The code holds a character that is not allowed. Type the code again.",
        "code_throttled": (
            "Too many codes that did not work came from this network. "
            "Wait {minutes} min, then try again, or ask your coach for help."
        ),
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
        "plan_needed": "choose an answer (“Not sure yet” is an answer too)",
        "minutes_left": "About {n} minutes left",
        "minutes_left_one": "About 1 minute left",
        "minutes_none": "Almost done",
        "section_of": "Section {n} of {total}",
        "example_title": "Try an example first",
        "example_intro": "This one is not timed and does not count. Choose an answer to see how it works.",
        "example_right": "Right.",
        "example_wrong": "Not this one.",
        "ps_instructions": "For each pair of codes, choose Same if they match exactly, or Different if any character differs.",
        "page_next": "More items",
        "page_prev": "Previous items",
        "page_status": "Items {first} to {last} of {total}",
        "code_and": "and",
        "county_school": "We filled in your school's county. Change it if you live in another county.",
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
        "code_error": (
            "Ese código no funcionó. Revisa los caracteres que se parecen: S y 5, B y 8, Z y 2. "
            "Los códigos nunca llevan O, 0, I, L ni 1. Si sigue sin funcionar, puede estar usado o "
            "vencido: pide uno nuevo a tu consejero."
        ),
        "session_ended": (
            "Se cerró tu sesión: una sesión termina después de un rato, o cuando alguien cierra la "
            "sesión en este aparato. Tus respuestas están guardadas. Para seguir, pide a tu consejero "
            "un código de acceso nuevo y escríbelo abajo; volverás a donde te quedaste."
        ),
        "code_bad_character": "El código tiene un carácter que no se permite. Escribe el código otra vez.",
        "code_throttled": (
            "Llegaron demasiados códigos que no funcionaron desde esta red. "
            "Espera {minutes} min y vuelve a intentarlo, o pide ayuda a tu consejero."
        ),
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
        "plan_needed": "elige una respuesta (“Todavía no lo sé” también es una respuesta)",
        "minutes_left": "Quedan unos {n} minutos",
        "minutes_left_one": "Queda más o menos 1 minuto",
        "minutes_none": "Ya casi terminas",
        "section_of": "Sección {n} de {total}",
        "example_title": "Primero, un ejemplo",
        "example_intro": "Este no tiene tiempo y no cuenta. Elige una respuesta para ver cómo funciona.",
        "example_right": "Correcto.",
        "example_wrong": "Esa no es.",
        "ps_instructions": "En cada par de códigos, elige Iguales si coinciden exactamente, o Diferentes si cambia algún carácter.",
        "page_next": "Más preguntas",
        "page_prev": "Preguntas anteriores",
        "page_status": "Preguntas {first} a {last} de {total}",
        "code_and": "y",
        "county_school": "Pusimos el condado de tu escuela. Cámbialo si vives en otro condado.",
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

#: How a page lists where in Mississippi to train for a job (``service.pages._recs.route_view``).
_ROUTE_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "heading": "Where to train in Mississippi",
        "for_county": "Colleges for {county}: your district's community college first.",
        "for_region": "Colleges for {region}: the area's community colleges first.",
        "for_state": "Colleges across Mississippi.",
        "local": "your district's community college",
        "completers": "{n} finished it in the latest count",
        "completers_one": "1 finished it in the latest count",
        "completers_unknown": "number finishing not published",
        "earnings": "median earnings {pay}, {years} years after finishing",
        "earnings_one": "median earnings {pay}, 1 year after finishing",
        "earnings_none": "earnings not published (too few graduates)",
        "campuses": "Campuses: {list}",
        "in_county": "in your county",
        "main": "main campus",
        "more": "{n} more places",
        "more_one": "1 more place",
        "in_family": "{programme}, counted in CIP family {family}",
        "more_hidden": "and {n} more Mississippi colleges not listed here",
        "more_print": "{n} more places on the coach's page",
        "more_print_one": "1 more place on the coach's page",
        "below_usual": "a first step: less than this job usually asks",
        "above_usual": "more than this job usually asks",
        "group": "linked to the wider job group",
        "linked": "linked by the federal programme list",
        "none": "No Mississippi college lists a programme for this job in the College Scorecard data.",
        "district_without": "{college} lists none of these programmes.",
        "source": (
            "Colleges, awards and earnings: U.S. Department of Education College Scorecard, "
            "via Truewise (truewise.dev), CC BY 4.0. Programmes are grouped by 4-digit CIP "
            "family, and the data does not say which campus teaches which programme."
        ),
    },
    "es": {
        "heading": "Dónde estudiar en Mississippi",
        "for_county": "Escuelas para {county}: primero el colegio comunitario de tu distrito.",
        "for_region": "Escuelas para {region}: primero los colegios comunitarios de la zona.",
        "for_state": "Escuelas en todo Mississippi.",
        "local": "el colegio comunitario de tu distrito",
        "completers": "{n} lo terminaron en el último conteo",
        "completers_one": "1 lo terminó en el último conteo",
        "completers_unknown": "no se publicó cuántos lo terminan",
        "earnings": "ingreso mediano {pay}, {years} años después de terminar",
        "earnings_one": "ingreso mediano {pay}, 1 año después de terminar",
        "earnings_none": "ingresos no publicados (muy pocos graduados)",
        "campuses": "Sedes: {list}",
        "in_county": "en tu condado",
        "main": "sede principal",
        "more": "{n} lugares más",
        "more_one": "1 lugar más",
        "in_family": "{programme}, contado en la familia CIP {family}",
        "more_hidden": "y {n} escuelas más de Mississippi que no se muestran aquí",
        "more_print": "{n} lugares más en la página del consejero",
        "more_print_one": "1 lugar más en la página del consejero",
        "below_usual": "un primer paso: menos de lo que este empleo suele pedir",
        "above_usual": "más de lo que este empleo suele pedir",
        "group": "ligado al grupo de empleos",
        "linked": "ligado por la lista federal de programas",
        "none": (
            "Ninguna escuela de Mississippi tiene un programa para este empleo en los datos de "
            "College Scorecard."
        ),
        "district_without": "{college} no tiene ninguno de estos programas.",
        "source": (
            "Escuelas, títulos e ingresos: College Scorecard del Departamento de Educación de "
            "EE. UU., a través de Truewise (truewise.dev), CC BY 4.0. Los programas se agrupan "
            "por familia CIP de 4 dígitos (nombres en inglés), y los datos no dicen qué sede "
            "enseña cada programa."
        ),
    },
}

#: What the cross-site checks (``service.csrf``) and a kept form (``service.pages._keep``) say.
_FORMS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "refused_title": "This form was not sent",
        "refused_origin": (
            "It came from another website, not from a Pathways page, so nothing was saved. "
            "If you meant to send it, open Pathways yourself and fill in the form there."
        ),
        "refused_token": (
            "The page it came from is too old: it was opened before someone last signed in or "
            "out on this browser, or it has been open for many hours. Nothing was saved. "
            "Go back (your browser usually still shows what you typed), copy what you typed, "
            "reload the page and send the form again."
        ),
        "front_page": "Go to the front page",
        "kept_waiting": (
            "You were signed out before your form was saved. Sign in again as the same person "
            "and the page comes back with what you typed, ready to check and save."
        ),
        "kept_notice": (
            "You were signed out before this form was saved, so nothing has been saved yet. "
            "What you typed is back in the form below: check it and press the button to save."
        ),
        "not_a_page": (
            "This address is where a form is sent; it is not a page you can open. "
            "Go back to the page the form is on."
        ),
        "check_input": "Check your input",
        "bad_fields": "These fields were not accepted:",
    },
    "es": {
        "refused_title": "Este formulario no se envió",
        "refused_origin": (
            "Llegó desde otro sitio web, no desde una página de Pathways, así que no se guardó "
            "nada. Si querías enviarlo, abre Pathways tú mismo y llena el formulario allí."
        ),
        "refused_token": (
            "La página de donde vino es demasiado vieja: se abrió antes de que alguien entrara o "
            "saliera por última vez en este navegador, o lleva muchas horas abierta. No se guardó "
            "nada. Vuelve atrás (el navegador suele mostrar todavía lo que escribiste), copia lo "
            "que escribiste, recarga la página y envía el formulario otra vez."
        ),
        "front_page": "Ir a la página principal",
        "kept_waiting": (
            "Se cerró tu sesión antes de guardar tu formulario. Entra otra vez como la misma "
            "persona y la página vuelve con lo que escribiste, lista para revisar y guardar."
        ),
        "kept_notice": (
            "Se cerró tu sesión antes de guardar este formulario, así que todavía no se ha "
            "guardado nada. Lo que escribiste está otra vez en el formulario: revísalo y pulsa "
            "el botón para guardar."
        ),
        "not_a_page": (
            "Esta dirección es adonde se envía un formulario; no es una página que se pueda "
            "abrir. Vuelve a la página donde está el formulario."
        ),
        "check_input": "Revisa lo que escribiste",
        "bad_fields": "Estos campos no se aceptaron:",
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
    """``value`` when it is a language with a message catalogue (``service.i18n``), else
    English."""
    return value if value in LANGUAGES or value in available_languages() else "en"


def _words_language(language: str) -> str:
    """The language of the word tables below: English for one that has only a catalogue."""
    return language if language in LANGUAGES else "en"


def student_text(language: str) -> dict[str, str]:
    """Every student-page string in ``language`` ('en' or 'es'; anything else gives English)."""
    return _STUDENT[_words_language(pick_language(language))]


def reason_words(language: str) -> dict[str, str]:
    """The words that head and label reasons on a page, in ``language`` ('en' or 'es')."""
    return _REASON_WORDS[_words_language(pick_language(language))]


def group_figures_text(language: str) -> dict[str, str]:
    """The words that label a group's employment and wage, in ``language`` ('en' or 'es')."""
    return _GROUP_FIGURES[_words_language(pick_language(language))]


def route_words(language: str) -> dict[str, str]:
    """The words that list Mississippi training routes, in ``language`` ('en' or 'es')."""
    return _ROUTE_WORDS[_words_language(pick_language(language))]


def form_text(language: str) -> dict[str, str]:
    """What a refused or kept form says, in ``language`` ('en' or 'es')."""
    return _FORMS[_words_language(pick_language(language))]


#: The page shown while the database cannot be reached (503), in both languages on one page.
UNAVAILABLE_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Pathways is not available right now",
        "message": "We cannot reach the saved data at the moment, so this page could not be shown or your last change could not be saved. Wait a minute, then try again.",
        "retry": "Try again",
    },
    "es": {
        "title": "Pathways no está disponible en este momento",
        "message": "En este momento no podemos llegar a los datos guardados, así que esta página no se pudo mostrar o tu último cambio no se pudo guardar. Espera un minuto y vuelve a intentarlo.",
        "retry": "Intentar de nuevo",
    },
}
