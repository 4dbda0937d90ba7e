"""The JSON API (/api/v1/): flask-smorest generates its OpenAPI document from the views.

flask-smorest rather than APIFlask: it documents ordinary Flask blueprints on the ordinary
Flask app that create_app() builds (APIFlask wants its own app class), and it uses marshmallow,
which the other Flask code we follow knows. Its own error handlers are left out: the site's
handlers (main.errors) answer problem+json under /api/.
"""

from __future__ import annotations

import http

from flask import Blueprint as FlaskBlueprint
from flask import Flask, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from coordinator.problems import PROBLEM_TYPE

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Events, projects, partners and themes of the network; proposals.",
)
# The document and its reference page are not operations of the API.
docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary")


class CoordinatorApi(Api):
    """flask-smorest's Api with problem+json error responses and no error handlers of its own."""

    def _register_error_handlers(self) -> None:
        """main.errors renders every error under /api/ as problem+json."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app: Flask) -> None:
    from flask_cors import CORS

    from coordinator.access import public
    from coordinator.api import views  # noqa: F401  (adds the routes)
    from coordinator.api.schemas import ProblemSchema
    from coordinator.converters import MAX_ID, IdConverter, SlugConverter
    from coordinator.extensions import csrf
    from coordinator.slugs import SLUG_REGEX

    app.config.setdefault("API_TITLE", "coordinator API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_WRITE_RATE_LIMIT", "60 per minute")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Reads are public; a personal API token (Authorization: Bearer) with the "
                    "read scope adds what its owner may see signed in, and the propose scope "
                    "creates, edits and submits drafts. Errors are RFC 9457 problem+json."
                )
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    CoordinatorApi.ERROR_SCHEMA = ProblemSchema
    api = CoordinatorApi()
    api.register_converter(
        IdConverter, lambda c: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    api.register_converter(SlugConverter, lambda c: {"type": "string", "pattern": SLUG_REGEX})
    api.init_app(app)
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.extensions["coordinator-api"] = api
    # The API authenticates by token itself (never by the session), so no view of it needs
    # the sign-in the rest of the site requires; its writes carry no CSRF token for the same
    # reason: a browser's cookies give no access to them.
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(("api.", "api_docs.")):
            public(view)
    csrf.exempt(bp)
    # Reads may be called from any origin; writes never: CORS headers are stripped from their
    # responses, and a preflight names only the read methods. (Registered before CORS(), so it
    # runs after flask-cors has added its headers.)
    app.after_request(_no_cors_on_writes)
    CORS(
        app,
        resources={
            r"/api/v1/*": {
                "origins": "*",
                "send_wildcard": True,
                "methods": ["GET", "HEAD", "OPTIONS"],
                "allow_headers": ["Authorization", "If-None-Match", "Accept-Language"],
                "expose_headers": ["ETag", "Link", "Retry-After"],
                "supports_credentials": False,
                "max_age": 600,
            }
        },
    )


def _no_cors_on_writes(response):
    if request.method in WRITE_METHODS:
        for name in CORS_HEADERS[:2]:
            response.headers.pop(name, None)
    return response


IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "schema": {"type": "string"}}


def spec_dict(app: Flask) -> dict:
    """The OpenAPI document. Every read that may answer 304 takes If-None-Match: added here
    rather than with @bp.doc(parameters=...), whose list would replace the query parameters
    @bp.arguments documents (flask-smorest merges the two dicts, not their lists)."""
    spec = app.extensions["coordinator-api"].spec.to_dict()
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "304" not in operation.get("responses", {}):
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == "If-None-Match" for p in parameters):
                parameters.append(dict(IF_NONE_MATCH))
    return spec
