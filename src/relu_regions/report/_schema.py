"""The layout of ``report.json`` and a checker for it.

Schema ``relu-regions/report``, version 1::

    {
      "schema": "relu-regions/report",   "schema_version": 1,
      "tool": {"name": "relu-regions", "version": str},
      "status": "ok" | "failed" | "partial",   # failed: some section failed;
                                                # partial: stopped by time limit / Ctrl-C
      "seconds": float, "seed": int, "options": {...},
      "model": {"source": str, "summary": {...}},          # Network.summary()
      "data": {...} | null,                                 # Dataset.summary()
      "domain": {"spec": {...}, "note": str},               # parse_domain() form
      "sections": [
        {"name": str, "title": str, "order": int,
         "status": "ok" | "failed" | "skipped",
         "seconds": float,
         "data": {...} | null,       # the section's JSON part (null unless ok)
         "figures": [str, ...],      # PNG files, relative to the report directory
         "error": str | null,        # "ExceptionType: message" (failed) or the skip reason
         "traceback": str | null}    # failed sections only
      ]
    }
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA", "SCHEMA_VERSION", "check_report"]

SCHEMA = "relu-regions/report"
SCHEMA_VERSION = 1

_TOP: dict[str, type | tuple[type, ...]] = {
    "schema": str,
    "schema_version": int,
    "tool": dict,
    "status": str,
    "seconds": (int, float),
    "seed": int,
    "options": dict,
    "model": dict,
    "data": (dict, type(None)),
    "domain": dict,
    "sections": list,
}
_SECTION: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "title": str,
    "order": int,
    "status": str,
    "seconds": (int, float),
    "data": (dict, type(None)),
    "figures": list,
    "error": (str, type(None)),
    "traceback": (str, type(None)),
}


def _typed(obj: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    problems = []
    for key, typ in spec.items():
        if key not in obj:
            problems.append(f"{where}: missing key {key!r}")
        elif not isinstance(obj[key], typ) or (typ is int and isinstance(obj[key], bool)):
            problems.append(f"{where}.{key}: expected {typ}, got {type(obj[key]).__name__}")
    return problems


def check_report(doc: Any) -> list[str]:
    """Problems with a ``report.json`` document (an empty list when it fits the schema).

    Examples
    --------
    >>> check_report({"schema": "x"})[:1]
    ["report: missing key 'schema_version'"]
    """
    if not isinstance(doc, dict):
        return ["report: not a JSON object"]
    problems = _typed(doc, _TOP, "report")
    if problems:
        return problems
    if doc["schema"] != SCHEMA or doc["schema_version"] != SCHEMA_VERSION:
        problems.append(
            f"report: schema {doc['schema']!r} v{doc['schema_version']} is not {SCHEMA} v{SCHEMA_VERSION}"
        )
    if doc["status"] not in ("ok", "failed", "partial"):
        problems.append(f"report.status: unknown value {doc['status']!r}")
    for key in ("source", "summary"):
        if key not in doc["model"]:
            problems.append(f"report.model: missing key {key!r}")
    for key in ("spec", "note"):
        if key not in doc["domain"]:
            problems.append(f"report.domain: missing key {key!r}")
    names = set()
    for i, sec in enumerate(doc["sections"]):
        where = f"report.sections[{i}]"
        if not isinstance(sec, dict):
            problems.append(f"{where}: not an object")
            continue
        sub = _typed(sec, _SECTION, where)
        problems += sub
        if sub:
            continue
        if sec["name"] in names:
            problems.append(f"{where}: duplicate section name {sec['name']!r}")
        names.add(sec["name"])
        if sec["status"] not in ("ok", "failed", "skipped"):
            problems.append(f"{where}.status: unknown value {sec['status']!r}")
        if sec["status"] == "ok" and sec["data"] is None:
            problems.append(f"{where}: status ok but no data")
        if sec["status"] != "ok" and not sec["error"]:
            problems.append(f"{where}: status {sec['status']} needs an error/skip message")
        if not all(isinstance(f, str) for f in sec["figures"]):
            problems.append(f"{where}.figures: must be file names")
    failed = any(s.get("status") == "failed" for s in doc["sections"] if isinstance(s, dict))
    if failed and doc["status"] == "ok":
        problems.append("report.status: 'ok' although a section failed")
    return problems
