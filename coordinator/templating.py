"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

from flask import Flask
from jinja2.runtime import Context
from jinja2.utils import _PassArg
from markupsafe import Markup

from coordinator.forms import input_direction
from coordinator.i18n import zone_info
from coordinator.multilingual import localized, translated_html, translation_marker
from coordinator.text import render_markdown


def local_time(value: datetime | None, tz_name: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(zone_info(tz_name)).strftime(fmt)


def zone_abbreviation(value: datetime, tz_name: str) -> str:
    return value.astimezone(zone_info(tz_name)).strftime("%Z")


def format_date(value: date | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


def bidi_isolate(value: str | None) -> Markup:
    """User-written text inside interface text, in a <bdi> so its direction is its own: an English
    name in an Arabic sentence keeps its full stop and brackets where they belong, and the
    sentence around it keeps its order."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value)


class TemplateContext(Context):
    """Jinja's template context, calling the functions templates call (url_for, _, tr,
    translated_html...: some five hundred calls on a page of twenty event cards) without
    asking each, on every call, whether it wants the context, the evaluation context or the
    environment passed first (four attribute lookups: 0.7 µs a call, 5% of such a page). What
    a plain function or method wants is kept per function; anything else (macros, callable
    objects) is called as Jinja calls it.

    Only functions that hold no state are kept (no closure: module functions, the methods of
    classes), so that what is kept never holds a request's objects. A builtin wants nothing
    passed (it cannot carry Jinja's mark)."""

    # function -> what it wants passed first (a _PassArg, or None). Templates call module
    # functions and the methods of a few classes: a few hundred. Bounded all the same.
    _passed: dict[Any, _PassArg | None] = {}
    PASSED_LIMIT = 4096

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's)
        kind = type(__obj)
        if kind is BuiltinFunctionType:
            passed = None
        elif kind is FunctionType or kind is MethodType:
            function = __obj.__func__ if kind is MethodType else __obj
            passed = __self._passed.get(function, _UNKNOWN)
            if passed is _UNKNOWN:
                passed = _PassArg.from_obj(__obj)
                if function.__closure__ is None:
                    if len(__self._passed) >= __self.PASSED_LIMIT:
                        __self._passed.clear()
                    __self._passed[function] = passed
        else:
            return super().call(__obj, *args, **kwargs)
        if passed is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif passed is not None:
            # The context (with a loop's or a block's variables) or the environment: Jinja's way.
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


_UNKNOWN = object()


def init_app(app: Flask) -> None:
    app.jinja_env.context_class = TemplateContext
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["bdi"] = bidi_isolate
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["zone_abbreviation"] = zone_abbreviation
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_site():
        return {"site_name": app.config["SITE_NAME"]}

    register_globals(app)


def register_globals(app: Flask) -> None:
    app.jinja_env.globals["input_direction"] = input_direction
    # A translatable field in the page's language, or the original (see multilingual.py).
    app.jinja_env.globals["tr"] = localized
    app.jinja_env.globals["translated_html"] = translated_html
    app.jinja_env.globals["translation_marker"] = translation_marker
