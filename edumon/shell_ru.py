"""Typer's frame in Russian: the help page's headings and usage line, and the usage
errors («Не указана опция «--ay»»), for the analyst who reads the CLI.

Typer (0.29) ships its own copy of click whose texts are plain English literals, so
they are translated where they are produced: the rendered help and usage text pass
through `translate_help`, and a usage error is formatted here from its class and
fields (`usage_error_text`). Nothing here imports the pipeline.
"""

from __future__ import annotations

import re

# whole words and phrases of the rendered help page (longest first where they overlap)
HELP_TEXT = [
    ("Usage: ", "Использование: "),
    ("Show this message and exit.", "Показать эту справку и выйти."),
    ("COMMAND [ARGS]...", "КОМАНДА [АРГУМЕНТЫ]..."),
    ("[OPTIONS]", "[ОПЦИИ]"),
    ("[required]", "[обязательно]"),
    ("[default: ", "[по умолчанию: "),
    ("[env var: ", "[переменная окружения: "),
]
SECTIONS = {"Options": "Опции", "Commands": "Команды", "Arguments": "Аргументы",
            "Positional arguments": "Аргументы"}
METAVARS = {"INTEGER": "ЧИСЛО", "TEXT": "ТЕКСТ", "PATH": "ПУТЬ", "FLOAT": "ЧИСЛО", "BOOLEAN": "ДА|НЕТ",
            "FILE": "ФАЙЛ", "DIRECTORY": "ПАПКА", "FILES...": "ФАЙЛЫ...", "PATH...": "ПУТЬ...",
            "ARGS": "АРГУМЕНТЫ", "FILENAME": "ФАЙЛ", "STR": "ТЕКСТ", "INT": "ЧИСЛО"}
# Typer's own gettext strings (typer.core looks `_` up at call time)
GETTEXT = {"default: {default}": "по умолчанию: {default}", "required": "обязательно",
           "env var: {var}": "переменная окружения: {var}", "(dynamic)": "(вычисляется)",
           "Aborted!": "Прервано.", "Missing command.": "Не указана команда.",
           "No such command {name!r}.": "Нет такой команды {name!r}.",
           "Options": "Опции", "Commands": "Команды", "Arguments": "Аргументы"}


def gettext(message: str) -> str:
    return GETTEXT.get(message, message)


TYPE_LABELS = {"int": "число", "str": "текст", "path": "путь", "float": "число", "bool": "да|нет",
               "list[str]": "текст...", "list[path]": "путь...", "list[int]": "число..."}


def type_label(label: str | None) -> str | None:
    """Typer's `<int>`, `<list[Path]>` as `<число>`, `<путь...>` (before the help is laid out)."""
    if not label or not (label.startswith("<") and label.endswith(">")):
        return label
    inner = label[1:-1]
    return f"<{TYPE_LABELS.get(inner.lower(), inner)}>"


_SECTION_RE = re.compile(r"^(\s*)(" + "|".join(map(re.escape, SECTIONS)) + r"):\s*$", re.M)
_METAVAR_RE = re.compile(r"(?<=[\s=<\[])(" + "|".join(re.escape(k) for k in sorted(METAVARS, key=len, reverse=True))
                         + r")(?=[\s>\]]|$)")


def translate_help(text: str) -> str:
    for en, ru in HELP_TEXT:
        text = text.replace(en, ru)
    text = _SECTION_RE.sub(lambda m: f"{m[1]}{SECTIONS[m[2]]}:", text)
    text = _METAVAR_RE.sub(lambda m: METAVARS[m[1]], text)
    return text


_PARAM_KIND = {"option": "опция", "argument": "аргумент", "parameter": "параметр"}


def _hint(exc) -> str:
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        opts = getattr(param, "opts", None) or []
        hint = " / ".join(opts) if opts and getattr(param, "param_type_name", "") == "option" \
            else (getattr(param, "metavar", None) or getattr(param, "name", "") or "").upper()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "").strip("'\"")


def error_message(exc) -> str:
    """The Russian text of a usage error (the class decides, English text never shown)."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "MissingParameter":
        param = getattr(exc, "param", None)
        ptype = getattr(exc, "param_type", None) or (getattr(param, "param_type_name", None) if param else None)
        word = _PARAM_KIND.get(ptype or "parameter", "параметр")
        what = {"опция": "Не указана опция", "аргумент": "Не указан аргумент"}.get(word, "Не указан параметр")
        hint = _hint(exc)
        return f"{what} «{hint}»." if hint else f"{what}."
    if kind == "NoSuchOption":
        name = getattr(exc, "option_name", "") or ""
        possible = getattr(exc, "possibilities", None) or []
        text = f"Нет такой опции «{name}»."
        if possible:
            text += " Возможно, имелась в виду " + ", ".join(f"«{p}»" for p in sorted(possible)) + "."
        return text
    if kind in ("BadParameter", "BadArgumentUsage", "BadOptionUsage"):
        hint = _hint(exc)
        body = _translate_message(message)
        return f"Недопустимое значение «{hint}»: {body}" if hint else f"Недопустимое значение: {body}"
    return _translate_message(message)


_MESSAGES = [
    (re.compile(r"^Missing command\.?$"), lambda m: "Не указана команда."),
    (re.compile(r"^No such command '?(.+?)'?\.?$"), lambda m: f"Нет такой команды «{m[1]}»."),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), lambda m: f"Лишние аргументы: {m[1]}."),
    (re.compile(r"^Option '?(.+?)'? does not take a value\.?$"), lambda m: f"Опция «{m[1]}» не принимает значения."),
    (re.compile(r"^Option '?(.+?)'? requires (?:an argument|\d+ arguments)\.?$"),
     lambda m: f"Опции «{m[1]}» нужно значение."),
    (re.compile(r"^No such option:? '?(.+?)'?\.?$"), lambda m: f"Нет такой опции «{m[1]}»."),
    (re.compile(r"^(?:Value )?'?(.*?)'? is not a valid (integer|int|float|boolean|bool).*$", re.I),
     lambda m: f"«{m[1]}» — не {'число' if m[2].lower() in ('integer', 'int', 'float') else 'да/нет'}."),
    (re.compile(r"^Input should be a valid (integer|number|boolean)", re.I),
     lambda m: "ожидается " + {"integer": "целое число", "number": "число", "boolean": "да или нет"}[m[1].lower()] + "."),
    (re.compile(r"^Input should be (.*)$"), lambda m: "недопустимое значение."),
    (re.compile(r"^(.*) is not in the range (.*)\.$"), lambda m: f"{m[1]} вне допустимого диапазона {m[2]}."),
    (re.compile(r"^(?:File|Path|Directory) '?(.*?)'? does not exist\.?$"), lambda m: f"«{m[1]}» не существует."),
]


def _translate_message(message: str) -> str:
    if re.search(r"[А-Яа-яЁё]", message):
        return message
    for pattern, repl in _MESSAGES:
        m = pattern.match(message.strip())
        if m:
            return repl(m)
    return "неверный вызов команды."


def usage_error_text(exc) -> str:
    """Usage line, hint and the error, as click prints them, in Russian."""
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        try:
            lines.append(translate_help(ctx.get_usage()))
        except Exception:  # noqa: BLE001 — the usage line is a courtesy
            pass
        cmd = getattr(ctx, "command_path", "edumon")
        lines.append(f"Справка: {cmd} --help")
        lines.append("")
    lines.append(f"Ошибка: {error_message(exc)}")
    return "\n".join(lines)
