"""Secrets never printed: one scrubber for every text that leaves the process — log
records (edumon's, Prefect's, botocore's, any library's), Prefect artifacts, the messages
of exceptions that become Prefect states (and so Prefect events), flow-run parameters.

What is masked (replaced by `***`):
- the user part of a URL (`https://key:secret@host` → `https://***@host`);
- the value after a credential name (`aws_secret_access_key=…`, `"aws_secret_access_key": "…"`,
  `password=…`, `X-Amz-Signature=…`, `token: …`);
- the values of the secret environment variables: `AWS_SECRET_ACCESS_KEY`,
  `AWS_SESSION_TOKEN`, `PREFECT_API_KEY`, every variable whose name contains SECRET, TOKEN,
  PASSWORD, PASSWD, PRIVATE_KEY or API_KEY, and the names listed in `EDUMON_SECRET_ENV`
  (comma-separated); values shorter than 6 characters are not masked (they would mask
  ordinary words);
- values registered at run time (`register`): the keys read from a Prefect block.

`install()` puts the scrubber in front of every log record of the process (a log record
factory, so records of child loggers and of libraries are covered too) and a
`SecretFilter` on edumon's, Prefect's and botocore's loggers and their handlers. It is
idempotent; the CLI and the flows call it at import.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading

MASK = "***"
MIN_SECRET = 6
ALWAYS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PREFECT_API_KEY")
NAME_HINT = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY", re.I)
LIST_ENV = "EDUMON_SECRET_ENV"
LOGGERS = ("edumon", "prefect", "botocore", "boto3", "s3transfer", "urllib3")

_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@?#]+@")
_NAMED = re.compile(
    r"(?P<name>\b(?:aws_secret_access_key|aws_session_token|secret_access_key|secret_key|secretkey|"
    r"secret|password|passwd|api_key|apikey|token|x-amz-signature|x-amz-security-token|signature)"
    r"[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"'&,;})\]]+)", re.I)

_registered: set[str] = set()
_lock = threading.Lock()


def register(*values: str | None) -> None:
    """Values to mask from now on in this process (e.g. keys read from a Prefect block)."""
    with _lock:
        _registered.update(v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET)


def secret_values() -> list[str]:
    """The secret values known now: secret environment variables and registered values,
    longest first (so a secret that contains another is masked whole)."""
    listed = {n.strip() for n in os.environ.get(LIST_ENV, "").split(",") if n.strip()}
    values = {v for k, v in os.environ.items()
              if (k in ALWAYS or k in listed or NAME_HINT.search(k)) and len(v) >= MIN_SECRET}
    with _lock:
        values |= _registered
    return sorted(values, key=len, reverse=True)


def scrub(text, _values: list[str] | None = None):
    """The text with every secret masked; anything that is not a string is returned as is.
    (`_values`: `secret_values()` read once by the caller for many texts.)"""
    if not isinstance(text, str) or not text:
        return text
    for value in secret_values() if _values is None else _values:
        if value in text:
            text = text.replace(value, MASK)
    text = _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    return _NAMED.sub(lambda m: m.group("name") + MASK, text)


def has_secret(text) -> bool:
    return isinstance(text, str) and scrub(text) != text


def scrub_value(value, _values: list[str] | None = None):
    """Strings, and the strings inside lists, tuples and dicts (parameters, table rows). The
    secret values are read once for the whole value (a country's table artifact has 48,000
    strings: reading the environment for each took 7 s)."""
    values = secret_values() if _values is None else _values
    if isinstance(value, str):
        return scrub(value, values)
    if isinstance(value, dict):
        return {k: scrub_value(v, values) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_value(v, values) for v in value)
    return value


# -- exceptions (their text becomes a Prefect state message, and so an event) -------------

def scrub_exception(exc: BaseException) -> BaseException:
    """Mask secrets in the exception and in its causes, in place where the class allows
    (its args, an OSError's filename); when its text still holds a secret, a RuntimeError
    with the masked text is returned instead (raise it `from None`)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        try:
            e.args = tuple(scrub_value(a) for a in e.args)
        except Exception:  # noqa: BLE001 — some classes refuse new args
            pass
        for attr in ("filename", "filename2", "strerror", "msg"):
            if isinstance(getattr(e, attr, None), str):
                try:
                    setattr(e, attr, scrub(getattr(e, attr)))
                except Exception:  # noqa: BLE001
                    pass
        e = e.__cause__ or e.__context__
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001
        return exc
    if has_secret(text) or any(has_secret(str(c)) for c in _chain(exc)):
        safe = RuntimeError(scrub(text))
        for attr in ("_edumon_reported",):
            if hasattr(exc, attr):
                setattr(safe, attr, getattr(exc, attr))
        return safe
    return exc


def _chain(exc: BaseException):
    seen, e = {id(exc)}, exc.__cause__ or exc.__context__
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def scrubbed_errors(fn):
    """Decorator for task bodies: an exception leaves the function with its secrets masked
    (Prefect turns its text into the task run's state message and event)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            safe = scrub_exception(exc)
            if safe is exc:
                raise
            raise safe from None
    return wrapper


# -- logging ------------------------------------------------------------------------------

def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record's message (formatted with its args) and its traceback text."""
    if getattr(record, "_edumon_scrubbed", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 — a broken format string: leave it to logging
        return record
    clean = scrub(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = scrub(text)
    elif isinstance(record.exc_text, str):
        record.exc_text = scrub(record.exc_text)
    if isinstance(getattr(record, "stack_info", None), str):
        record.stack_info = scrub(record.stack_info)
    record._edumon_scrubbed = True
    return record


class SecretFilter(logging.Filter):
    """A logging filter that masks secrets in the record (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


_FILTER = SecretFilter()


def install() -> None:
    """Scrub every log record of this process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_edumon_scrubbing", False):
        def scrubbing_factory(*args, **kwargs):
            return scrub_record(factory(*args, **kwargs))
        scrubbing_factory._edumon_scrubbing = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(scrubbing_factory)
    for name in LOGGERS + ("",):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
