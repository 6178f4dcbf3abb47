"""Resolve import paths of the form "package.module:Name" to objects.

Configs name strategies, venue factories and data sources this way; the part after the
colon may be dotted to reach a nested attribute ("pkg.mod:Outer.Inner").
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["ResolveError", "resolve_path", "split_path"]

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


class ResolveError(ValueError):
    """An import path is malformed, its module cannot be imported, or it lacks the attribute."""


def split_path(path: str) -> tuple[str, str]:
    """Split "pkg.module:Name" into ("pkg.module", "Name"); ResolveError when malformed."""
    if not isinstance(path, str):
        raise ResolveError(f"import path must be a str 'package.module:Name', got {path!r}")
    module, sep, attr = path.partition(":")
    if not sep or not _DOTTED.match(module) or not _DOTTED.match(attr):
        raise ResolveError(f"import path {path!r} is malformed, expected 'package.module:Name'")
    return module, attr


def resolve_path(path: str) -> Any:
    """Import the module of path and return its attribute.

    Raises
    ------
    ResolveError: the path is malformed; the module is not found (named), or fails to
        import (named, with the cause chained); the attribute is missing (attribute and
        module named).
    """
    module_name, attr = split_path(path)
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        # a missing module is not the same as a module whose own import is missing
        if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise ResolveError(f"import path {path!r}: module {module_name!r} not found") from None
        raise ResolveError(f"import path {path!r}: importing module {module_name!r} failed: {e}") from e
    except Exception as e:
        raise ResolveError(
            f"import path {path!r}: importing module {module_name!r} failed: "
            f"{type(e).__name__}: {e}") from e
    parts = attr.split(".")
    for i, part in enumerate(parts):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            owner = f"module {module_name!r}" if i == 0 else f"'{module_name}:{'.'.join(parts[:i])}'"
            raise ResolveError(f"import path {path!r}: {owner} has no attribute {part!r}") from None
    return obj
