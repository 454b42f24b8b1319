"""The JSON layout of pledges (see docs/pledges.md, "Import and export formats").

``{"schema": 1, "pledges": [...]}``, each pledge the form's fields as ``form_data`` gives them
plus ``status``, ``progress`` (``{"<indicator>": [{"on", "value", "note", "evidence"}]}``) and
``dids`` (``{"bluesky": "did:plc:..."}``). An import also takes a bare list of submissions, or one
pledge alone (an object with its ``name`` and ``title``), and
ignores the fields ``pledge show --json`` adds that a pledge gets when stored (``id``, ``kind``,
``smart``, ``created_at``, ``updated_at``, ``events``), so that output imports too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

from campaign.pledges.io_csv import MAX_ROWS, ImportFileError, Record

SCHEMA = 1
# what a stored pledge has that a submission does not give: set again when it is stored
# (``events``: the history ``pledge show --json`` prints, which is the other database's)
STORED_FIELDS = ("id", "kind", "smart", "created_at", "updated_at", "events")


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    # a key given twice would silently keep the last value: the pledger meant one of them
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def read_json(name: str, text: str) -> list[Record]:
    """The submissions of one JSON file's text; ImportFileError when it is not JSON or not a
    list of pledges."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name} line {exc.lineno} column {exc.colno} is not valid JSON "
                              f"({exc.msg}): correct it, or export it again") from None
    except _Duplicate as exc:
        raise ImportFileError(f"{name} gives the key {exc.key!r} twice in one object: keep "
                              "one") from None
    except RecursionError:
        raise ImportFileError(f"{name} is nested too deeply to be pledges: a pledge needs "
                              "four levels") from None
    except ValueError as exc:  # NaN, Infinity, an integer of more than 4,300 digits
        raise ImportFileError(f"{name} holds a value that cannot be read ({exc}): "
                              "correct it") from None
    if isinstance(data, Mapping) and not {"schema", "pledges"} & set(data) \
            and {"name", "title"} & set(data):
        data = [data]  # one pledge, as ``pledge show --json`` prints it
    if isinstance(data, Mapping):
        schema = data.get("schema")
        if schema != SCHEMA or set(data) != {"schema", "pledges"}:
            raise ImportFileError(f"{name} is not a pledges file: give "
                                  f'{{"schema": {SCHEMA}, "pledges": [...]}} or a list of '
                                  "pledges")
        data = data["pledges"]
    if not isinstance(data, list):
        raise ImportFileError(f"{name} is not a list of pledges: give "
                              f'{{"schema": {SCHEMA}, "pledges": [...]}} or a list of pledges')
    if len(data) > MAX_ROWS:
        raise ImportFileError(f"{name} has more than {MAX_ROWS:,} pledges: split it into several "
                              "files and import them one after another")
    return [_record(name, row, item) for row, item in enumerate(data, 1)]


def _record(name: str, row: int, item: object) -> Record:
    if not isinstance(item, Mapping):
        return Record(file=name, row=row, line=None, data={}, problems=[
            f"is {type(item).__name__} where a pledge (an object of the form's fields) is "
            "expected"])
    data = {k: v for k, v in item.items() if k not in STORED_FIELDS}
    return Record(file=name, row=row, line=None, data=data, status=data.pop("status", None),
                  dids=data.pop("dids", None), progress=data.pop("progress", None))


def write_json(handle: IO[str], pledges: Sequence[Mapping[str, Any]]) -> None:
    """Pledges as the JSON layout, non-ASCII text as it is."""
    json.dump({"schema": SCHEMA, "pledges": list(pledges)}, handle, ensure_ascii=False, indent=2)
    handle.write("\n")
