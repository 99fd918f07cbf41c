"""The password rules for coach, staff and admin accounts, and a small list of common passwords.

``password_problems(password, username)`` names every rule a new password breaks (an empty list
means it is acceptable). The rules: at least ``MIN_LENGTH`` characters; not one character
repeated (``aaaaaaaaaaaa``) or a short group repeated (``abcabcabcabc``); not one simple run of
letters, digits or a keyboard row (``123456789012``, ``abcdefghijkl``, ``qwertyuiopas``); not one of
the most common passwords, even with digits or symbols before or after it, look-alike digits
(``p@ssw0rd``) or said twice (``passwordpassword``); and not the username or anything containing it.
Students have no password; their one-time codes are not checked here.
"""

from __future__ import annotations

from typing import Final

MIN_LENGTH: Final = 12

#: Runs a person types without thinking: the alphabet, the digits (0 follows 9, as on the keyboard)
#: and the keys of a US keyboard row by row, all the rows in turn, or down the columns. A password
#: that is one stretch of one of these, forwards or backwards, is refused.
RUNS: Final = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",  # down the keyboard's columns
)

#: Some of the passwords people choose most often, written for this service (lower case, no
#: digits or symbols at either end: those are stripped before comparing). Includes words a
#: Mississippi school district would guess first.
_COMMON: Final = """
password passw0rd pass passcode secret letmein welcome welcomeback changeme default
admin administrator root login master access trustno iloveyou loveyou love lovely
qwerty qwertz azerty asdf qazwsx qwer zxcvbnm asdfgh qwertyui monkey dragon shadow
sunshine princess football baseball basketball soccer hockey softball superman batman
spiderman starwars pokemon minecraft fortnite roblox michael jennifer jessica ashley
jordan hunter buster tigger charlie thomas daniel andrew joshua matthew robert george
amanda michelle nicole taylor maggie ginger pepper cheese summer winter freedom whatever
killer computer internet samsung iphone apple google facebook instagram snapchat tiktok
mustang ranger thunder matrix yankees cowboys dallas austin chelsea liverpool arsenal
flower butterfly angel babygirl baby cookie chocolate purple orange banana blessed
jesus christ faith church hello hellothere goodbye nothing something test testing tester
guest user demo sample example temp temporary school student students teacher teachers
classroom homework principal counselor coach coaches career careers pathway pathways
mississippi jackson tupelo biloxi hattiesburg gulfport meridian magnolia rebels bulldogs
chromebook district education schoolyear graduation senior junior freshman sophomore
"""
COMMON_PASSWORDS: Final = frozenset(_COMMON.split())

#: Digits and symbols read as letters when comparing with the common list ("p@ssw0rd").
_LOOK_ALIKES: Final = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "@": "a",
        "$": "s",
        "5": "s",
        "7": "t",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)
_SEPARATORS: Final = str.maketrans("", "", " -_.,'")


def _is_run(text: str) -> bool:
    for run in RUNS:
        repeated = run * (len(text) // len(run) + 2)
        if text in repeated or text in repeated[::-1]:
            return True
    return False


def _repeated_group(text: str, longest: int = 4) -> int | None:
    """The length of the group ``text`` repeats (1 = one character), if it is that short."""
    for size in range(1, min(longest, len(text) // 2) + 1):
        group = text[:size]
        if (group * (len(text) // size + 1))[: len(text)] == text:
            return size
    return None


def _common_core(text: str) -> str:
    """``text`` as compared with the common list: no digits or symbols at the ends, look-alikes
    read as letters, separators dropped."""
    core = text.strip("0123456789!@#$%^&*()_+-=[]{};:'\",.<>/?\\|`~ ")
    return core.translate(_LOOK_ALIKES).translate(_SEPARATORS)


def _is_common(text: str) -> bool:
    core = _common_core(text)
    if not core:
        return False
    if core in COMMON_PASSWORDS:
        return True
    size = _repeated_group(core, longest=len(core) // 2)
    return size is not None and core[:size] in COMMON_PASSWORDS


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Every rule ``password`` breaks, as phrases to show the person choosing it; [] if none."""
    problems: list[str] = []
    text = password.lower()
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long (it has {len(password)})")
    group = _repeated_group(text) if text else None
    if group == 1:
        problems.append("must not be one character repeated")
    elif group is not None:
        problems.append("must not be a short group of characters repeated, like abcabcabc")
    elif len(text) > 1 and _is_run(text):
        problems.append(
            "must not be a simple run of letters, digits or keys, like 1234567890 or abcdefghij"
        )
    if _is_common(text):
        problems.append("is one of the most common passwords; choose one nobody would guess")
    name = (username or "").strip().lower()
    if name and name in text:
        problems.append("must not be or contain the username")
    return problems


def describe_problems(problems: list[str]) -> str:
    """One message for a form or a problem+json body: 'the password must …; must …'."""
    return "the password " + "; ".join(problems)
