"""How templates call functions (coordinator.templating.TemplateContext) and translate
(coordinator.i18n's template gettext): what each function wants passed first is worked out
once per function, and `_` is one call, with Jinja's newstyle gettext behaviour throughout."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale
from jinja2 import pass_context, pass_environment, pass_eval_context
from jinja2.utils import _PassArg
from markupsafe import Markup

from coordinator.templating import TemplateContext


def _render(app, source: str, **context) -> str:
    with app.test_request_context("/"):
        return render_template_string(source, **context)


def plain(value):
    return f"plain:{value}"


@pass_context
def sees_context(context, name):
    return context.get(name)


@pass_eval_context
def sees_escaping(eval_ctx, value):
    return f"{value}:{eval_ctx.autoescape}"


@pass_environment
def sees_environment(environment):
    return type(environment).__name__


class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self, other):
        return f"{self.name}>{other}"

    def __call__(self, other):
        return f"called:{other}"


def stops():
    raise StopIteration


def test_templates_render_with_the_context_class(app):
    assert app.jinja_env.context_class is TemplateContext


def test_every_kind_of_callable_gets_what_it_asks_for(app):
    page = _render(
        app,
        "{{ plain(1) }}|{{ sees_escaping(2) }}|{{ sees_environment() }}|{{ greeter.greet(3) }}"
        "|{{ greeter(4) }}|{{ len('abc') }}|{% macro m(x) %}macro:{{ x }}{% endmacro %}{{ m(5) }}"
        "|{% for item in [6, 7] %}{% set inner = item %}{{ sees_context('inner') }}{% endfor %}"
        "|{% set kept = 8 %}{{ sees_context('kept') }}|{{ stops() is undefined }}",
        plain=plain,
        sees_escaping=sees_escaping,
        sees_environment=sees_environment,
        sees_context=sees_context,
        greeter=Greeter("a"),
        len=len,
        stops=stops,
    )
    assert page == ("plain:1|2:True|Environment|a&gt;3|called:4|3|macro:5|67|8|True")


def test_what_a_function_wants_is_worked_out_once(app, monkeypatch):
    asked: list[object] = []
    from_obj = _PassArg.from_obj.__func__

    def counted(cls, obj):
        asked.append(obj)
        return from_obj(cls, obj)

    monkeypatch.setattr(_PassArg, "from_obj", classmethod(counted))
    TemplateContext._passed.clear()
    greeters = [Greeter(str(n)) for n in range(5)]
    page = _render(
        app,
        "{% for g in greeters %}{{ plain(g.name) }}{{ g.greet(1) }}{{ escaping(1) }}{% endfor %}",
        plain=plain,
        greeters=greeters,
        escaping=sees_escaping,
    )
    assert page.count("plain:") == 5 and "4&gt;1" in page
    # Once per function (a method's per class), not once per call.
    assert [a for a in asked if getattr(a, "__name__", "") in ("plain", "greet")] == [
        plain,
        greeters[0].greet,
    ]
    assert sum(1 for a in asked if getattr(a, "__name__", "") == "sees_escaping") == 1


def test_only_functions_without_state_are_kept(app):
    """A closure (a view's function over its own objects) is called rightly but not kept:
    what is kept must never hold a request's objects. Nor is a builtin bound to an object."""
    TemplateContext._passed.clear()
    shown = {"title": "Forum"}

    def title_of(key):
        return shown[key]

    page = _render(
        app, "{{ title_of('title') }}|{{ shown.get('title') }}", title_of=title_of, shown=shown
    )
    assert page == "Forum|Forum"
    assert title_of not in TemplateContext._passed
    assert all(getattr(kept, "__self__", None) is not shown for kept in TemplateContext._passed)


def test_the_kept_answers_are_bounded(app, monkeypatch):
    monkeypatch.setattr(TemplateContext, "PASSED_LIMIT", 3)
    TemplateContext._passed.clear()
    functions = {f"f{n}": eval(f"lambda: {n}") for n in range(10)}  # noqa: S307 (no closures)
    page = _render(app, "".join(f"{{{{ f{n}() }}}}" for n in range(10)), **functions)
    assert page == "0123456789"
    assert len(TemplateContext._passed) <= 3


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{{ _('Cancelled') }}", "Annulé"),
        ("{{ gettext('Cancelled') }}", "Annulé"),
        (
            "{{ _('Organised by %(lead)s', lead=lead) }}",
            "Organisé par &lt;b&gt;MedCities&lt;/b&gt;",
        ),
        ("{{ _('Organised by %(lead)s', lead=link) }}", "Organisé par <a>MedCities</a>"),
        ("{{ pgettext('activity status', 'Submitted') }}", "Soumis"),
        ("{{ ngettext('%(num)d event', '%(num)d events', 3) }}", "3 events"),
        ("{{ npgettext('x', '%(num)d day', '%(num)d days', 1) }}", "1 day"),
        ("{{ _('100%% sure') }}", "100% sure"),
        ("{% trans %}Cancelled{% endtrans %}", "Annulé"),
        ("{% trans n=2 %}{{ n }} day{% pluralize %}{{ n }} days{% endtrans %}", "2 days"),
    ],
)
def test_templates_translate_as_jinjas_newstyle_gettext(app, source, expected):
    with app.test_request_context("/"), force_locale("fr"):
        page = render_template_string(
            source, lead="<b>MedCities</b>", link=Markup("<a>MedCities</a>")
        )
    assert page == expected


def test_a_text_template_formats_without_escaping(app):
    with app.test_request_context("/"), force_locale("fr"):
        template = app.jinja_env.from_string(
            "{% autoescape false %}{{ _('Organised by %(lead)s', lead=lead) }}{% endautoescape %}"
        )
        assert template.render(lead="A & B") == "Organisé par A & B"


def test_underscore_is_one_call_through_the_context(app, monkeypatch):
    calls: list[object] = []
    call = TemplateContext.call

    def counted(self, obj, *args, **kwargs):
        calls.append(obj)
        return call(self, obj, *args, **kwargs)

    monkeypatch.setattr(TemplateContext, "call", counted)
    assert _render(app, "{{ _('Cancelled') }}") == "Cancelled"
    assert len(calls) == 1
