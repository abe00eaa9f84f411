"""The toolkit's exceptions, and the exit code each one maps to on the command line.

::

    AngoConvertError                      exit 1
    ├── FormatError(LookupError)          exit 2
    │   ├── UnknownFormatError
    │   ├── FormatLoadError
    │   └── CapabilityError
    ├── ReadError(ValueError)             exit 3   file + place + reason
    ├── SchemaValidationError(ValueError) exit 4   every issue with its JSON path
    ├── ConversionError(ValueError)       exit 5   what the target cannot hold, unmapped classes
    │   └── UnsupportedAnnotationError
    ├── OutputError(OSError)              exit 6   cannot write the output
    └── HubError                          exit 7   Ango Hub answered with an error
        ├── AuthError                     exit 8   the API key was refused
        ├── HubConnectionError            exit 9   no answer after retries
        └── UnlabelledError               exit 11  Hub labelled fewer tasks than were sent

Exit 10 is not an error: ``ango-convert diff`` exits with it when the datasets differ.

Parsers deep down raise a bare reason (``ValueError``, ``KeyError``...); the loop that
knows the file and the place re-raises it as :class:`ReadError` ``from`` the cause.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ango_convert.model import JSONValue

#: What a reader does with a unit (annotation, label line, XML file, record) that does not
#: read: ``strict`` raises, ``skip`` leaves it out and notes it (see :func:`skip_note`).
OnError = Literal["strict", "skip"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INVALID = 4
EXIT_CONVERSION = 5
EXIT_OUTPUT = 6
EXIT_HUB = 7
EXIT_AUTH = 8
EXIT_CONNECTION = 9
#: ``ango-convert diff`` found differences: an outcome, not an error (no exception has it).
EXIT_DIFFERENT = 10
EXIT_UNLABELLED = 11
EXIT_INTERRUPTED = 130


#: Longest value a message shows (:func:`shown`), and longest message.
MAX_SHOWN = 120
MAX_MESSAGE = 2000


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = MAX_SHOWN


def shown(value: object) -> str:
    """``repr(value)`` for a message, cut to :data:`MAX_SHOWN` characters: a value from the
    data (a 100 MB externalId, an expanded YAML alias) is never formatted whole."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return f"{value[:MAX_SHOWN]!r}... ({len(value)} characters)"
    if isinstance(value, (str, int, float, bool)) or value is None:
        text = repr(value)
    else:
        text = _SHORT.repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}..."


def _one_line(text: str) -> str:
    """Keep messages on one line, whatever the data put into them, and short."""
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}... ({len(text)} characters)"
    return " ".join(text.split())


#: An option named in a message: ``{on_unsupported=skip}``, rendered per caller.
_OPTION = re.compile(r"\{(\w+)=([^{}]*)\}")


def keyword_form(name: str, value: str) -> str:
    """How Python callers pass an option: ``on_unsupported='skip'``, ``title_only=True``."""
    if value in ("True", "False", "None"):
        return f"{name}={value}"
    return f"{name}={value!r}"


def render_hint(template: str, form: Callable[[str, str], str] = keyword_form) -> str:
    """A hint with each ``{name=value}`` option written in the caller's language.

    Python callers get keywords (``on_unsupported='skip'``); the command line renders
    the same template with its flags (``--on-unsupported skip``).
    """
    return _OPTION.sub(lambda match: form(match[1], match[2]), template)


class AngoConvertError(Exception):
    """Root of every error the toolkit raises on purpose.

    An error may carry a ``hint``: what to do about it, with the options it names
    written ``{name=value}``; ``str()`` renders them as Python keywords and
    :meth:`message` as whatever the caller speaks (the CLI passes its flags).
    """

    exit_code = EXIT_ERROR
    hint: str = ""

    def message(self, form: Callable[[str, str], str] = keyword_form) -> str:
        """The message with its hint's options rendered by ``form``."""
        base = super().__str__()  # the builtin base's own text (OSError's, ValueError's...)
        return f"{base}; {render_hint(self.hint, form)}" if self.hint else base

    def __str__(self) -> str:
        return self.message()


class FormatError(AngoConvertError, LookupError):
    """A format is unknown, cannot be loaded, or cannot do what was asked."""

    exit_code = EXIT_USAGE


class UnknownFormatError(FormatError):
    """No format of that name is registered."""


class FormatLoadError(FormatError):
    """A format's module failed to import (a broken plugin, a missing dependency)."""


class CapabilityError(FormatError):
    """The format cannot read, or cannot write."""


class ReadError(AngoConvertError, ValueError):
    """Input could not be read: names the file, the place in it and the reason."""

    exit_code = EXIT_INPUT

    def __init__(self, path: str | Path, location: str | None, reason: str) -> None:
        self.path = str(path)
        self.location = location
        self.reason = _one_line(reason)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: {self.location}" if self.location else self.path
        return f"{where}: {self.reason}"

    def note(self) -> dict[str, JSONValue]:
        """The error as a report entry ``{file, place, reason}`` (``on_error="skip"``)."""
        return {"file": self.path, "place": self.location or "", "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Issue:
    """One schema problem: where it is (a JSON path such as ``$.labels[3]``) and what."""

    json_path: str
    message: str

    def __str__(self) -> str:
        return f"{self.json_path}: {self.message}"


class SchemaValidationError(AngoConvertError, ValueError):
    """A document broke its JSON Schema; ``issues`` holds every problem found."""

    exit_code = EXIT_INVALID

    def __init__(self, source: str, schema: str, issues: Sequence[Issue]) -> None:
        self.source = source
        self.schema = schema
        self.issues = tuple(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.issues)
        first = f": {_one_line(str(self.issues[0]))}" if self.issues else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        return f"{self.source}: {count} problem(s) against schema {self.schema}{first}{more}"


class ConversionError(AngoConvertError, ValueError):
    """The data cannot be converted as asked (unmapped classes, missing sizes...).

    ``hint`` says what to do, naming options as ``{name=value}`` (see
    :func:`render_hint`): Python callers read keywords, CLI users flags.
    """

    exit_code = EXIT_CONVERSION

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class UnsupportedAnnotationError(ConversionError):
    """The target format cannot hold some annotations; names their count and kind."""

    def __init__(self, format_name: str, counts: dict[str, int], hint: str = "") -> None:
        self.format_name = format_name
        self.counts = dict(counts)
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        super().__init__(f"format {format_name!r} cannot hold {parts}", hint)


class OutputError(AngoConvertError, OSError):
    """The output could not be written."""

    exit_code = EXIT_OUTPUT


class HubError(AngoConvertError):
    """Ango Hub answered with an error status."""

    exit_code = EXIT_HUB

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        prefix = f"HTTP {status}: " if status is not None else ""
        super().__init__(_one_line(prefix + message))


class AuthError(HubError):
    """The API key is missing or was refused."""

    exit_code = EXIT_AUTH


class HubConnectionError(HubError):
    """Ango Hub could not be reached, after every retry."""

    exit_code = EXIT_CONNECTION


class UnlabelledError(HubError):
    """Hub accepted an import but labelled fewer tasks than records were sent: some
    records matched no asset (``upload --allow-unlabelled`` accepts that)."""

    exit_code = EXIT_UNLABELLED
