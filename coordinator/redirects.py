"""Where a `next=` parameter may send the browser: a local path, nothing else."""

from __future__ import annotations

import re

# C0, DEL, C1 and the Unicode line separators: browsers strip or reinterpret them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def is_safe_next(target: str | None) -> bool:
    """A single-slash local path with no backslash, control character, scheme or host."""
    if not target or not isinstance(target, str):
        return False
    if len(target) > 2000 or _CONTROL.search(target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    # Percent-encoded slashes or backslashes can be decoded into "//host" by some stacks.
    lowered = target.lower()
    if lowered.startswith(("/%2f", "/%5c")):
        return False
    return True


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default
