"""JSON Schema validation against the schemas shipped in ``ango_convert/schemas``.

Every problem is reported with its JSON path (``$.labels[3].answer.objects[0]``), not just
the first one. The schema is picked from the document's content when not named.

Two validators, for speed: a compiled one (jsonschema-rs) answers "valid or not" about
500 times faster than pure-Python jsonschema, so valid documents (the usual case) cost
next to nothing; only when it says "invalid" does jsonschema walk the document to list
every issue with its path. Without jsonschema-rs installed, jsonschema does both.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ango_convert.errors import Issue, SchemaValidationError

#: Bundled schemas, by the name ``--schema`` takes.
SCHEMAS: Mapping[str, str] = {
    "ango-import": "Label import body for POST /v2/import/labels (the seed's labels/answer shape)",
    "ango-import-flat": "Flat Ango Import Format: a list of {externalId, objects, ...}",
    "ango-import-sdk": "The SDK's label import body: {project, jsonContent: [flat records]}",
    "ango-attachments": "Attachments body for POST /v2/attachments (seed shape)",
    "ango-attachments-sdk": "Attachments body in the SDK's {attachments: [{type, value}]} shape",
    "ango-export-v2": "Ango V2 export: assets with tasks[] of objects",
    "ango-export-v3": "Ango V3 export: assets with one task of tools and stageHistory",
    "ango-export-v2-record": "One asset record of a V2 export (one ndjson line)",
    "ango-export-v3-record": "One asset record of a V3 export (one ndjson line)",
}

MAX_MESSAGE = 200


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """Load a bundled schema by name.

    Raises:
        KeyError: No schema of that name ships with the package.
    """
    if name not in SCHEMAS:
        raise KeyError(f"unknown schema {name!r}; bundled schemas: {', '.join(SCHEMAS)}")
    text = (resources.files("ango_convert") / "schemas" / f"{name}.schema.json").read_bytes()
    schema: dict[str, Any] = orjson.loads(text)
    return schema


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def detect_schema(document: Any) -> str | None:
    """Pick the schema that fits a document's shape, or None if nothing fits."""
    if isinstance(document, Mapping):
        return _detect_object(document)
    if isinstance(document, list):
        first = next((entry for entry in document if isinstance(entry, Mapping)), None)
        if first is None:
            return "ango-import-flat" if not document else None
        if "tasks" in first:
            return "ango-export-v2"
        if "task" in first:
            return "ango-export-v3"
        return "ango-import-flat"
    return None


def _detect_object(document: Mapping[str, Any]) -> str | None:
    if "labels" in document:
        return "ango-import"
    if "jsonContent" in document:
        return "ango-import-sdk"
    attachments = document.get("attachments")
    if isinstance(attachments, list):
        first = next((entry for entry in attachments if isinstance(entry, Mapping)), {})
        return "ango-attachments-sdk" if "attachments" in first else "ango-attachments"
    if "task" in document:
        return "ango-export-v3-record"
    if "tasks" in document:
        return "ango-export-v2-record"
    return None


def iter_issues(document: Any, schema: str) -> Iterator[Issue]:
    """Yield every problem in ``document`` against a bundled schema, sorted by JSON path."""
    if _surely_valid(document, schema):
        return
    errors = sorted(_validator(schema).iter_errors(document), key=_sort_key)
    for error in errors:
        yield Issue(error.json_path, _describe(error))


def _subschema(schema: str, definition: str) -> dict[str, Any]:
    root = load_schema(schema)
    return {"$schema": root["$schema"], "$defs": root["$defs"], "$ref": f"#/$defs/{definition}"}


@functools.cache
def _definition_validator(schema: str, definition: str) -> Draft202012Validator:
    return Draft202012Validator(_subschema(schema, definition))


@functools.cache
def _fast_validator(schema: str, definition: str | None = None) -> Any:
    document = load_schema(schema) if definition is None else _subschema(schema, definition)
    return jsonschema_rs.validator_for(document)


def _surely_valid(document: Any, schema: str, definition: str | None = None) -> bool:
    fast = _fast_validator(schema, definition)
    try:
        return bool(fast.is_valid(document))
    except (ValueError, TypeError, OverflowError):
        return False  # values jsonschema-rs cannot take (huge ints...): let jsonschema judge


def definition_issues(document: Any, schema: str, definition: str, prefix: str) -> list[Issue]:
    """Check one part of a document (a label, a record) against a schema's ``$defs`` entry.

    Used to validate large payloads record by record while they stream. Paths are
    reported under ``prefix`` (the part's own JSON path, such as ``$.labels[7]``).
    """
    if _surely_valid(document, schema, definition):
        return []
    errors = sorted(_definition_validator(schema, definition).iter_errors(document), key=_sort_key)
    return [Issue(prefix + error.json_path[1:], _describe(error)) for error in errors]


def _sort_key(error: ValidationError) -> tuple[list[str], str]:
    return [str(part) for part in error.absolute_path], error.message


def _describe(error: ValidationError) -> str:
    keyed = _describe_key_choice(error)
    if keyed is not None:
        return _shorten(keyed)
    # oneOf/anyOf failures say only "is not valid under any of the given schemas"; the
    # closest branch's own error tells the user what to fix.
    if error.context:
        typed = _describe_type_choice(error)
        if typed is not None:
            return _shorten(typed)
        deepest = best_match(error.context)
        if deepest is not None:
            where = deepest.json_path
            text = deepest.message
            if where != error.json_path:
                text = f"{where}: {text}"
            return _shorten(text)
    return _shorten(error.message)


def _describe_type_choice(error: ValidationError) -> str | None:
    """Name the accepted types where a oneOf/anyOf picks a branch by the value's type.

    best_match would report the first branch (``[['a']] is not of type 'string'`` for an
    answer that may also be a list); this reports the error inside the one branch whose
    type fits, or every accepted type when none fits.
    """
    if not isinstance(error.validator_value, list):
        return None
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [
        errors
        for errors in branches.values()
        if not any(sub.validator == "type" and not sub.relative_path for sub in errors)
    ]
    if len(fitting) == 1 and len(branches) == len(error.validator_value):
        deepest = best_match(fitting[0])
        if deepest is None:
            return None
        if deepest.json_path == error.json_path:
            return str(deepest.message)
        return f"{deepest.json_path}: {deepest.message}"
    if fitting:
        return None
    names: list[str] = []
    for branch in error.validator_value:
        kind = branch.get("type") if isinstance(branch, Mapping) else None
        names.extend([kind] if isinstance(kind, str) else list(kind or ()))
    if not names:
        return None
    return f"{error.instance!r} is not of type {', '.join(repr(name) for name in names)}"


def _key_branches(error: ValidationError) -> list[list[str]] | None:
    """The key sets of a oneOf/anyOf whose every branch only requires keys, else None."""
    if error.validator not in ("oneOf", "anyOf") or not isinstance(error.validator_value, list):
        return None
    branches = []
    for branch in error.validator_value:
        if not isinstance(branch, Mapping) or not isinstance(branch.get("required"), list):
            return None
        if set(branch) - {"required", "properties"}:
            return None
        branches.append([str(key) for key in branch["required"]])
    return branches


def _describe_key_choice(error: ValidationError) -> str | None:
    """Say which key is missing or doubled where a schema picks a branch by key.

    Objects are told apart by the key they carry (a tool's geometry key, an asset key,
    ``from``/``to`` or ``group``): a ``oneOf`` of ``required`` branches. Its generic
    failure would name the first branch (``'bounding-box' is a required property``) for
    a ``ner`` object; this names the choice and the keys the object has instead.
    """
    branches = _key_branches(error)
    if branches is None or not isinstance(error.instance, Mapping):
        return None
    present = [keys for keys in branches if all(key in error.instance for key in keys)]
    if len(present) > 1 and error.validator == "oneOf":
        names = ", ".join(" and ".join(keys) for keys in present)
        if all(len(keys) == 1 for keys in branches):
            return f"has {len(present)} tool keys ({names}); an object takes one"
        return f"has {names}; takes only one of them"
    if present:
        return None  # a branch's key is there but its value is wrong; that error is shown
    if all(len(keys) == 1 for keys in branches):
        names = ", ".join(keys[0] for keys in branches)
        if len(branches) > 4:
            has = ", ".join(sorted(str(key) for key in error.instance)) or "no keys"
            return f"needs exactly one tool key ({names}); it has {has}"
        return f"needs one of the keys {names}"
    return "needs " + ", or ".join(" and ".join(keys) for keys in branches)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def validate(document: Any, schema: str | None = None, *, source: str = "<data>") -> str:
    """Check a document against a bundled schema, picked from its content if not named.

    Args:
        document: Parsed JSON.
        schema: A name from :data:`SCHEMAS`, or None to detect it.
        source: Where the document came from, for messages.

    Returns:
        The name of the schema the document passed.

    Raises:
        SchemaValidationError: With every issue found, each with its JSON path.
    """
    name = schema or detect_schema(document)
    if name is None:
        issue = Issue("$", "does not look like any Ango payload or export; name one with --schema")
        raise SchemaValidationError(source, "(none)", [issue])
    issues = list(iter_issues(document, name))
    if issues:
        raise SchemaValidationError(source, name, issues)
    return name
