"""The network's themes named in English, French, Spanish and Arabic: theme_translations rows
for the themes already in a database (found by slug), each language the theme's original is not.

A translation already there (someone wrote one) is kept. The names are written out here, not
read from the demo data, so this migration stays what it was whatever the demo becomes.

Revision ID: e5f2b8c4a917
Revises: 9f5265c76518
Create Date: 2026-12-06 17:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import coordinator.db

revision = "e5f2b8c4a917"
down_revision = "9f5265c76518"
branch_labels = None
depends_on = None

# slug -> {language: name}
THEME_NAMES = {
    "strategic-planning": {
        "en": "Strategic planning",
        "fr": "Planification stratégique",
        "es": "Planificación estratégica",
        "ar": "التخطيط الاستراتيجي",
    },
    "sustainable-urban-development": {
        "en": "Sustainable urban development",
        "fr": "Développement urbain durable",
        "es": "Desarrollo urbano sostenible",
        "ar": "التنمية الحضرية المستدامة",
    },
    "waste-and-resource-management": {
        "en": "Waste and resource management",
        "fr": "Gestion des déchets et des ressources",
        "es": "Gestión de residuos y recursos",
        "ar": "إدارة النفايات والموارد",
    },
    "local-economic-development": {
        "en": "Local economic development",
        "fr": "Développement économique local",
        "es": "Desarrollo económico local",
        "ar": "التنمية الاقتصادية المحلية",
    },
    "citizen-participation": {
        "en": "Citizen participation",
        "fr": "Participation citoyenne",
        "es": "Participación ciudadana",
        "ar": "مشاركة المواطنين",
    },
    "climate-and-environment": {
        "en": "Climate and environment",
        "fr": "Climat et environnement",
        "es": "Clima y medio ambiente",
        "ar": "المناخ والبيئة",
    },
    "decentralisation-and-governance": {
        "en": "Decentralisation and governance",
        "fr": "Décentralisation et gouvernance",
        "es": "Descentralización y gobernanza",
        "ar": "اللامركزية والحوكمة",
    },
    "mobility": {
        "en": "Mobility",
        "fr": "Mobilité",
        "es": "Movilidad",
        "ar": "التنقل",
    },
    "cultural-heritage": {
        "en": "Cultural heritage",
        "fr": "Patrimoine culturel",
        "es": "Patrimonio cultural",
        "ar": "التراث الثقافي",
    },
}

themes = sa.table(
    "themes",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("language", sa.String),
)
theme_translations = sa.table(
    "theme_translations",
    sa.column("theme_id", sa.Integer),
    sa.column("language", sa.String),
    sa.column("name", sa.String),
    sa.column("author_id", sa.Integer),
    sa.column("checked_by_author", sa.Boolean),
    sa.column("created_dt", coordinator.db.UTCDateTime),
    sa.column("updated_dt", coordinator.db.UTCDateTime),
)


def upgrade():
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(
        sa.select(themes.c.id, themes.c.slug, themes.c.language).where(
            themes.c.slug.in_(list(THEME_NAMES))
        )
    ).all()
    for theme_id, slug, original in rows:
        present = set(
            conn.execute(
                sa.select(theme_translations.c.language).where(
                    theme_translations.c.theme_id == theme_id
                )
            ).scalars()
        )
        missing = [
            {
                "theme_id": theme_id,
                "language": language,
                "name": name,
                "author_id": None,
                # Written by the network's own staff for every theme: nothing to check.
                "checked_by_author": True,
                "created_dt": now,
                "updated_dt": now,
            }
            for language, name in THEME_NAMES[slug].items()
            if language != (original or "en") and language not in present
        ]
        if missing:
            op.bulk_insert(theme_translations, missing)


def downgrade():
    # Remove exactly the rows this migration writes (same theme, language and name).
    conn = op.get_bind()
    for slug, names in THEME_NAMES.items():
        theme_id = conn.execute(sa.select(themes.c.id).where(themes.c.slug == slug)).scalar()
        if theme_id is None:
            continue
        for language, name in names.items():
            conn.execute(
                theme_translations.delete().where(
                    theme_translations.c.theme_id == theme_id,
                    theme_translations.c.language == language,
                    theme_translations.c.name == name,
                )
            )
