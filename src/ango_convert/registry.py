"""The format registry: built-in formats by explicit name, plugins from entry points.

Built-in formats are listed as dotted ``module:ATTRIBUTE`` strings and imported only when
someone asks for them. Third-party formats come from the entry-point group
``ango_convert.formats``; a plugin that fails to import fails only when it is requested.
A plugin can never replace a built-in: the built-in wins and a warning names both.

A format is a :class:`FormatSpec`: plain ``read``/``write`` functions whose keyword-only
parameters are the format's options (see :func:`bind_options`).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from ango_convert.errors import CapabilityError, FormatLoadError, UnknownFormatError
from ango_convert.model import Dataset
from ango_convert.report import WriteReport

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ango_convert.formats"

Reader = Callable[..., Dataset]
Writer = Callable[..., WriteReport]
Detector = Callable[[Path], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatSpec:
    """Everything the toolkit needs to know about one format.

    Attributes:
        name: The name users type, such as ``"coco"``.
        summary: One line for ``ango-convert formats``.
        read: ``read(source, **options) -> Dataset``, or None if the format is write-only.
        write: ``write(dataset, target, **options) -> WriteReport``, or None.
        detect: Returns True when a path looks like this format; used when ``--from``
            is left out. Must be cheap: it may read a few KB, never the whole file.
        writes_kinds: Annotation kinds (see ``model.ANNOTATION_KINDS``) the writer holds.
        output_is_dir: True when the writer produces a folder rather than one file.
    """

    name: str
    summary: str
    read: Reader | None = None
    write: Writer | None = None
    detect: Detector | None = None
    writes_kinds: frozenset[str] = field(default_factory=frozenset)
    output_is_dir: bool = False

    def reader(self) -> Reader:
        """The read function, or a CapabilityError if the format cannot read."""
        if self.read is None:
            raise CapabilityError(f"format {self.name!r} cannot be read, only written")
        return self.read

    def writer(self) -> Writer:
        """The write function, or a CapabilityError if the format cannot write."""
        if self.write is None:
            raise CapabilityError(f"format {self.name!r} cannot be written, only read")
        return self.write


BUILTIN_FORMATS: Mapping[str, str] = types.MappingProxyType(
    {
        "coco": "ango_convert.formats.coco:FORMAT",
        "ango": "ango_convert.formats.ango:FORMAT",
        "ango-flat": "ango_convert.formats.ango:FORMAT_FLAT",
        "voc": "ango_convert.formats.voc:FORMAT",
        "yolo": "ango_convert.formats.yolo:FORMAT",
        "ango-v2": "ango_convert.formats.ango_export:FORMAT_V2",
        "ango-v3": "ango_convert.formats.ango_export:FORMAT_V3",
    }
)

_loaded: dict[str, FormatSpec] = {}
_registered: dict[str, FormatSpec] = {}


def _entry_points() -> dict[str, EntryPoint]:
    """The plugin entry points by name; the seam tests patch."""
    from importlib.metadata import entry_points  # slow to import: only when plugins are asked

    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in BUILTIN_FORMATS:
            logger.warning(
                "plugin format %r from %s is ignored: a built-in format has that name",
                point.name,
                point.value,
            )
            continue
        found[point.name] = point
    return found


def available() -> list[str]:
    """Every format name: built-ins first, then registered ones, then plugins."""
    names = list(BUILTIN_FORMATS)
    names += [name for name in _registered if name not in names]
    names += sorted(name for name in _entry_points() if name not in names)
    return names


def register(spec: FormatSpec, *, replace: bool = False) -> None:
    """Register a format at run time (for tests and notebooks).

    Args:
        spec: The format.
        replace: Allow replacing a format registered earlier under the same name.

    Raises:
        ValueError: The name is a built-in, or taken and ``replace`` is False.
    """
    if spec.name in BUILTIN_FORMATS:
        raise ValueError(f"{spec.name!r} is a built-in format and cannot be replaced")
    if spec.name in _registered and not replace:
        raise ValueError(f"format {spec.name!r} is already registered")
    _registered[spec.name] = spec


def unregister(name: str) -> None:
    """Remove a format registered with :func:`register`."""
    _registered.pop(name, None)
    _loaded.pop(name, None)


def get_format(name: str) -> FormatSpec:
    """Look a format up by name, importing its module on first use.

    Raises:
        UnknownFormatError: No such format.
        FormatLoadError: The format's module failed to import or is not a FormatSpec.
    """
    if name in _registered:
        return _registered[name]
    if name in _loaded:
        return _loaded[name]
    if name in BUILTIN_FORMATS:
        spec = _load(name, BUILTIN_FORMATS[name])
    else:
        point = _entry_points().get(name)
        if point is None:
            known = ", ".join(available())
            raise UnknownFormatError(f"unknown format {name!r}; known formats: {known}")
        spec = _load(name, point.value)
    _loaded[name] = spec
    return spec


def _load(name: str, target: str) -> FormatSpec:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        spec = getattr(module, attribute) if attribute else module
    except Exception as exc:  # a plugin may fail in any way; report it for this name only
        raise FormatLoadError(f"format {name!r} ({target}) failed to load: {exc}") from exc
    if not isinstance(spec, FormatSpec):
        raise FormatLoadError(f"format {name!r} ({target}) is not a FormatSpec")
    return spec


def detect_format(path: Path) -> str | None:
    """Guess which readable format a path holds, or None when nothing claims it."""
    for name in available():
        try:
            spec = get_format(name)
        except FormatLoadError:
            continue
        if spec.read is not None and spec.detect is not None and spec.detect(path):
            return name
    return None


# --- options ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionInfo:
    """One keyword-only option of a read or write function."""

    name: str
    type_name: str
    default: Any
    choices: tuple[str, ...] = ()


#: Keyword-only parameters the caller's machinery provides, never users: the
#: :class:`~ango_convert.report.Diagnostics` a reader notes into, and the fetcher that
#: reads remote files (see :mod:`ango_convert.io.remote`), and the worker processes of
#: a ``jobs=N`` run (see :mod:`ango_convert.parallel`).
SERVICE_PARAMETERS = frozenset({"diagnostics", "fetcher", "jobs"})


def services_of(function: Callable[..., Any]) -> frozenset[str]:
    """The :data:`SERVICE_PARAMETERS` a read or write function accepts."""
    return SERVICE_PARAMETERS.intersection(inspect.signature(function).parameters)


def options_of(function: Callable[..., Any]) -> list[OptionInfo]:
    """List a function's keyword-only parameters as options (services left out)."""
    hints = typing.get_type_hints(function)
    result = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        if parameter.name in SERVICE_PARAMETERS:
            continue
        hint = hints.get(parameter.name, str)
        choices = tuple(str(arg) for arg in get_args(_strip_optional(hint)))
        if get_origin(_strip_optional(hint)) is not Literal:
            choices = ()
        default = None if parameter.default is inspect.Parameter.empty else parameter.default
        result.append(OptionInfo(parameter.name, _type_name(hint), default, choices))
    return result


def bind_options(function: Callable[..., Any], raw: Mapping[str, object]) -> dict[str, Any]:
    """Convert option values (strings from the command line, or already typed) to the
    types a function's keyword-only parameters declare.

    Args:
        function: A format's read or write function.
        raw: Option name to value. Dashes in names are read as underscores.

    Returns:
        Keyword arguments ready to pass.

    Raises:
        ValueError: An unknown option name or a value that does not convert.
    """
    known = {option.name: option for option in options_of(function)}
    hints = typing.get_type_hints(function)
    bound: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in known:
            valid = ", ".join(sorted(known)) or "none"
            raise ValueError(f"unknown option {key!r}; valid options: {valid}")
        bound[name] = _convert(name, value, hints.get(name, str))
    return bound


def _strip_optional(hint: Any) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        args = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _type_name(hint: Any) -> str:
    inner = _strip_optional(hint)
    if get_origin(inner) is Literal:
        return "|".join(str(arg) for arg in get_args(inner))
    if get_origin(inner) in (tuple, Sequence, list):
        return "list"
    return getattr(inner, "__name__", str(inner))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, value: object, hint: Any) -> Any:
    if not isinstance(value, str):
        return value
    inner = _strip_optional(hint)
    origin = get_origin(inner)
    if origin is Literal:
        choices = [str(arg) for arg in get_args(inner)]
        if value not in choices:
            raise ValueError(f"option {name!r} must be one of {', '.join(choices)}, got {value!r}")
        return value
    if origin in (tuple, Sequence, list):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if inner is bool:
        lowered = value.lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ValueError(f"option {name!r} must be true or false, got {value!r}")
    if inner in (int, float):
        try:
            return inner(value)
        except ValueError:
            raise ValueError(
                f"option {name!r} must be a{'n' if inner is int else ''} "
                f"{inner.__name__}, got {value!r}"
            ) from None
    if inner is Path:
        return Path(value)
    return value
