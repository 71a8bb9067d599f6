"""Field masks (``"userEnteredValue,userEnteredFormat(numberFormat,textFormat)"``).

Used to apply partial updates (``updateCells``, ``repeatCell``, ``updateSheetProperties`` …)
and to filter responses by the ``fields`` query parameter.
"""

from __future__ import annotations

import copy
from typing import Any

Path = tuple[str, ...]


def parse_mask(mask: str) -> list[Path]:
    """Split a mask into paths; ``/`` and ``.`` both separate levels, ``*`` means everything."""
    paths: list[Path] = []
    _parse_into(mask.replace("/", ".").replace(" ", ""), (), paths)
    return [p for p in paths if p]


def _parse_into(text: str, prefix: Path, out: list[Path]) -> None:
    depth = 0
    start = 0
    for i, char in enumerate(text + ","):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            _parse_item(text[start:i], prefix, out)
            start = i + 1


def _parse_item(item: str, prefix: Path, out: list[Path]) -> None:
    if not item:
        return
    if "(" in item and item.endswith(")"):
        head, _, inner = item.partition("(")
        _parse_into(inner[:-1], prefix + tuple(p for p in head.split(".") if p), out)
        return
    out.append(prefix + tuple(p for p in item.split(".") if p))


def get_path(obj: Any, path: Path) -> Any:
    """The value at ``path`` in nested dicts, or None."""
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def apply_mask(target: dict[str, Any], source: dict[str, Any], paths: list[Path]) -> dict[str, Any]:
    """A new dict: ``target`` with every masked path taken from ``source`` (or removed).

    ``target`` is not changed; nested dicts are copied only along the masked paths, so the
    result may share untouched parts with ``target``.
    """
    result = dict(target)
    for path in paths:
        if path == ("*",):
            result = json_copy(source)
            continue
        _set_path(result, path, json_copy(get_path(source, path)))
    return result


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), much quicker than ``copy.deepcopy``;
    anything else is copied with ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if value is None or kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset({str, int, float, bool})


def _set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    parents: list[tuple[dict[str, Any], str]] = []
    for key in path[:-1]:
        child = obj.get(key)
        if isinstance(child, dict):
            child = dict(child)
        elif value is None:
            return
        else:
            child = {}
        obj[key] = child
        parents.append((obj, key))
        obj = child
    if value is None:
        obj.pop(path[-1], None)
        # Drop containers the removal left empty.
        for parent, key in reversed(parents):
            if parent[key] == {}:
                del parent[key]
    else:
        obj[path[-1]] = value


def filter_fields(obj: Any, mask: str) -> Any:
    """Keep only the fields named by ``mask`` (the ``fields`` query parameter)."""
    tree: dict[str, Any] = {}
    for path in parse_mask(mask):
        node = tree
        for key in path[:-1]:
            existing = node.get(key)
            if existing is None and key in node:
                break
            node = node.setdefault(key, {})
        else:
            node[path[-1]] = None
    return _filter(obj, tree)


def _filter(obj: Any, tree: dict[str, Any]) -> Any:
    if isinstance(obj, list):
        return [_filter(item, tree) for item in obj]
    if not isinstance(obj, dict) or "*" in tree:
        return obj
    result: dict[str, Any] = {}
    for key, subtree in tree.items():
        if key in obj:
            result[key] = obj[key] if subtree is None else _filter(obj[key], subtree)
    return result
