"""A believable year of joint activities across the demo network, relative to today.

Loaded by `flask --app wsgi demo` after demo/network.py. Idempotent: activities are found
by title (events) or slug (projects) and are created only once, so running it again adds
nothing. Dates are computed from the day it is loaded, so a fresh demo never looks stale.

Each activity is created as a draft and walked to its state through the workflow's own
transition(), with the clock set to when each step happened (coordinator.db.clock_at), so
stamps, audit trail and status agree exactly as if people had done it; nobody is mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from coordinator.accounts.models import User
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    EventTranslation,
    Project,
    ProjectPartner,
    ProjectTranslation,
    Status,
    Theme,
    Visibility,
)
from coordinator.activities.services import transition
from coordinator.activities.workflow import Action
from coordinator.audit.models import record
from coordinator.db import clock_at
from coordinator.demo.network import STAFF_EMAIL, focal_point_email
from coordinator.extensions import db
from coordinator.multilingual import mark_checked, set_translations
from coordinator.partners.models import Partner

# Where the network meets: city -> (IANA zone, ISO country, venues).
PLACES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "Barcelona": (
        "Europe/Madrid",
        "ES",
        ("Casa Llotja de Mar", "Palau de Pedralbes", "Barcelona Activa, Porta22"),
    ),
    "Madrid": ("Europe/Madrid", "ES", ("Casa Árabe",)),
    "Marseille": ("Europe/Paris", "FR", ("Villa Méditerranée", "Hôtel de Région Sud")),
    "Paris": ("Europe/Paris", "FR", ("AFD, Cité Internationale", "Maison de la Région")),
    "Athens": ("Europe/Athens", "GR", ("Technopolis City of Athens",)),
    "Thessaloniki": ("Europe/Athens", "GR", ("Thessaloniki Concert Hall",)),
    "Istanbul": ("Europe/Istanbul", "TR", ("Istanbul Planning Agency", "Kadir Has University")),
    "Izmir": ("Europe/Istanbul", "TR", ("Izmir Mediterranean Academy",)),
    "Cairo": (
        "Africa/Cairo",
        "EG",
        ("Bayt Al-Suhaymi", "Cairo University, Faculty of Urban Planning"),
    ),
    "Alexandria": ("Africa/Cairo", "EG", ("Bibliotheca Alexandrina",)),
    "Tunis": ("Africa/Tunis", "TN", ("Dar Lasram", "Cité de la Culture")),
    "Sfax": ("Africa/Tunis", "TN", ("Sfax Municipal Theatre",)),
    "Casablanca": ("Africa/Casablanca", "MA", ("Villa des Arts", "Casablanca Technopark")),
    "Tetouan": ("Africa/Casablanca", "MA", ("Escuela de Artes y Oficios",)),
    "Beirut": ("Asia/Beirut", "LB", ("Beirut Municipality Hall", "AUB College Hall")),
    "Saida": ("Asia/Beirut", "LB", ("Khan el-Franj",)),
    "Amman": ("Asia/Amman", "JO", ("Greater Amman Municipality", "Royal Cultural Centre")),
    "Irbid": ("Asia/Amman", "JO", ("Yarmouk University Conference Hall",)),
    "Haifa": ("Asia/Jerusalem", "IL", ("Haifa City Hall",)),
    "Algiers": ("Africa/Algiers", "DZ", ("Palais de la Culture Moufdi Zakaria",)),
    "Oran": ("Africa/Algiers", "DZ", ("Oran Convention Centre",)),
    "Rome": ("Europe/Rome", "IT", ("Casa della Città", "Palazzo Valentini")),
    "Genoa": ("Europe/Rome", "IT", ("Palazzo Ducale",)),
    "Belgrade": ("Europe/Belgrade", "RS", ("Belgrade City Hall",)),
    "Brussels": ("Europe/Brussels", "BE", ("Committee of the Regions, Jacques Delors building",)),
    "Washington, D.C.": ("America/New_York", "US", ("World Bank, MC Building",)),
    "New York": ("America/New_York", "US", ("UN Headquarters, Conference Room 4",)),
}

# Staff comments of the review decisions, and cancellation reasons.
CHANGES_COMMENT = (
    "Please confirm the venue and add the registration link; the programme "
    "should also name the speakers from the host municipality."
)
REJECT_COMMENT = (
    "This overlaps the UfM Urban Experts Group meeting in the same week and "
    "city. Please join that meeting's side programme instead."
)
APPROVE_COMMENT = "Thank you, a welcome addition to the network calendar."


@dataclass
class DemoProject:
    slug: str
    title: str
    acronym: str
    summary: str
    lead: str
    partners: list[tuple[str, Confirmation]]
    themes: list[str]
    start_offset: int  # days from today
    months: int
    website: str
    status: Status = Status.APPROVED
    description: str = ""
    language: str = "en"  # the original's
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class DemoEvent:
    title: str
    kind: EventKind
    city: str  # a key of PLACES, or "" for an online event hosted from `online_zone`
    offset: int  # days from today
    start: str = "10:00"  # local time; ignored when all_day
    hours: float = 3.0
    all_day_days: int = 0  # > 0 makes an all-day event over that many days
    lead: str = "medcities"
    co: list[tuple[str, Confirmation]] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    project: str | None = None
    status: Status = Status.APPROVED
    visibility: Visibility = Visibility.PUBLIC
    online: bool = False
    online_zone: str = "Europe/Madrid"
    languages: str = "en"
    venue_index: int = 0
    summary: str = ""
    # The original's language, its own description (else the English one written for every
    # event), and other languages' {field: text}.
    language: str = "en"
    description: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


C, P, D = Confirmation.CONFIRMED, Confirmation.PENDING, Confirmation.DECLINED
K = EventKind

PROJECTS = [
    DemoProject(
        "med-suds",
        "Sustainable Urban Development Strategies for Mediterranean Cities",
        "MED-SUDS",
        "Helping eight secondary cities draft and finance their city development strategies.",
        "medcities",
        [("cmi", C), ("afd", C), ("giz", C), ("eib", P)],
        ["Strategic planning", "Sustainable urban development"],
        -240,
        36,
        "https://www.medcities.org/projects",
        translations={
            "fr": {
                "title": "Stratégies de développement urbain durable pour les villes "
                "méditerranéennes",
                "summary": "Aider huit villes secondaires à élaborer et à financer leur "
                "stratégie de développement urbain.",
            },
            "es": {
                "title": "Estrategias de desarrollo urbano sostenible para las ciudades "
                "mediterráneas",
                "summary": "Ayudar a ocho ciudades secundarias a elaborar y financiar su "
                "estrategia de desarrollo urbano.",
            },
            "ar": {
                "title": "استراتيجيات التنمية الحضرية المستدامة للمدن المتوسطية",
                "summary": "مساعدة ثماني مدن ثانوية على إعداد استراتيجياتها للتنمية الحضرية "
                "وتمويلها.",
            },
        },
        description=(
            "MED-SUDS accompanies **eight secondary cities** in Tunisia, Morocco, Lebanon and "
            "Jordan through a city development strategy: diagnosis, participatory vision, "
            "priority projects and a financing plan.\n\n"
            "- peer exchanges between planners of the network;\n"
            "- technical assistance from the CMI Urban Hub members;\n"
            "- a pipeline of bankable projects presented to lenders."
        ),
    ),
    DemoProject(
        "circumed",
        "Circular Mediterranean Cities",
        "CIRCUMED",
        "Municipal waste prevention and reuse plans in coastal cities.",
        "acr",
        [("medcities", C), ("avitem", C), ("cpmr-imc", D)],
        ["Waste and resource management", "Climate and environment"],
        -120,
        24,
        "https://www.acrplus.org",
        description=(
            "Coastal cities test **waste prevention at source**, reuse centres and "
            "separate collection of organic waste, and share what worked."
        ),
    ),
    DemoProject(
        "medina-plus",
        "Heritage-led Regeneration of Historic Medinas",
        "MEDINA+",
        "Rehabilitation of historic centres as living neighbourhoods.",
        "uclg-med",
        [("medcities", C), ("cideu", C), ("mcaf", P)],
        ["Cultural heritage", "Local economic development", "Citizen participation"],
        -60,
        30,
        "https://www.uclg-med.org",
        description="Tetouan, Sfax and Saida work with their residents on rehabilitation plans.",
    ),
    DemoProject(
        "local-finance-lab",
        "Local Finance Lab",
        "LOCFIN",
        "Own-source revenue and borrowing capacity of Mediterranean municipalities.",
        "cdc",
        [("eib", P), ("wb", P)],
        ["Decentralisation and governance", "Local economic development"],
        30,
        24,
        "https://www.caissedesdepots.fr",
        status=Status.SUBMITTED,
    ),
]

SP, SUD, WASTE, LED, PART, CLIM, GOV, MOB, HER = (
    "Strategic planning",
    "Sustainable urban development",
    "Waste and resource management",
    "Local economic development",
    "Citizen participation",
    "Climate and environment",
    "Decentralisation and governance",
    "Mobility",
    "Cultural heritage",
)

EVENTS = [
    # --- Past year -----------------------------------------------------------------------------
    DemoEvent(
        "MED-SUDS kick-off meeting",
        K.MEETING,
        "Barcelona",
        -230,
        "09:30",
        7,
        co=[("cmi", C), ("afd", C), ("giz", C)],
        themes=[SP, SUD],
        project="med-suds",
        languages="en,fr",
        summary="Partners and pilot cities launch the project.",
    ),
    DemoEvent(
        "City development strategies: lessons from Sfax",
        K.WEBINAR,
        "",
        -205,
        "11:00",
        1.5,
        lead="cmi",
        online=True,
        online_zone="Europe/Paris",
        themes=[SP],
        project="med-suds",
        languages="en,fr",
    ),
    DemoEvent(
        "Participatory budgeting in North African cities",
        K.WORKSHOP,
        "Casablanca",
        -190,
        "09:00",
        6,
        lead="mcaf",
        co=[("uclg-med", C)],
        themes=[PART, GOV],
        languages="fr,ar",
    ),
    DemoEvent(
        "Urban mobility forum of the southern Mediterranean",
        K.FORUM,
        "Cairo",
        -175,
        "10:00",
        all_day_days=2,
        lead="cmi",
        co=[("wb", C), ("eib", C)],
        themes=[MOB, SUD],
        languages="en,ar",
        venue_index=1,
    ),
    DemoEvent(
        "Heritage rehabilitation field visit to Tetouan's medina",
        K.FIELD_VISIT,
        "Tetouan",
        -160,
        all_day_days=1,
        lead="uclg-med",
        co=[("medcities", C)],
        themes=[HER],
        project="medina-plus",
        languages="es,fr,ar",
    ),
    DemoEvent(
        "Climate adaptation plans for coastal cities",
        K.TRAINING,
        "Izmir",
        -148,
        "09:30",
        6,
        lead="avitem",
        co=[("cpmr-imc", C)],
        themes=[CLIM],
        languages="en,tr",
    ),
    DemoEvent(
        "Decentralisation and local finance dialogue",
        K.CONFERENCE,
        "Amman",
        -135,
        "09:00",
        8,
        lead="giz",
        co=[("wb", C), ("cdc", D)],
        themes=[GOV, LED],
        languages="en,ar",
    ),
    DemoEvent(
        "Waste prevention at source: municipal toolkits",
        K.WEBINAR,
        "",
        -122,
        "15:00",
        1.5,
        lead="acr",
        online=True,
        online_zone="Europe/Brussels",
        themes=[WASTE],
        project="circumed",
    ),
    DemoEvent(
        "CIRCUMED partners' meeting",
        K.MEETING,
        "Genoa",
        -110,
        "09:30",
        6,
        lead="acr",
        co=[("medcities", C), ("avitem", C)],
        themes=[WASTE, CLIM],
        project="circumed",
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Strategic planning summer school",
        K.TRAINING,
        "Rome",
        -100,
        all_day_days=3,
        lead="cideu",
        co=[("medcities", C)],
        themes=[SP],
        languages="en,es,it",
    ),
    DemoEvent(
        "Port cities and their waterfronts",
        K.CONFERENCE,
        "Haifa",
        -92,
        "09:30",
        7,
        lead="cpmr-imc",
        co=[("avitem", C)],
        themes=[SUD, MOB],
    ),
    DemoEvent(
        "Local economic development agencies exchange",
        K.WORKSHOP,
        "Belgrade",
        -84,
        "10:00",
        5,
        lead="ascame",
        co=[("medcities", C)],
        themes=[LED],
    ),
    DemoEvent(
        "Youth and the city: citizen labs",
        K.WORKSHOP,
        "Beirut",
        -76,
        "10:00",
        5,
        lead="mcaf",
        co=[("uclg-med", C)],
        themes=[PART],
        languages="ar,en,fr",
    ),
    DemoEvent(
        "Financing urban resilience: lenders meet cities",
        K.MEETING,
        "Washington, D.C.",
        -70,
        "09:00",
        6,
        lead="wb",
        co=[("eib", C), ("afd", C)],
        themes=[CLIM, LED],
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Medina residents' assembly",
        K.FORUM,
        "Sfax",
        -58,
        "16:00",
        3,
        lead="uclg-med",
        themes=[HER, PART],
        project="medina-plus",
        languages="ar,fr",
    ),
    DemoEvent(
        "Green public spaces masterclass",
        K.TRAINING,
        "Athens",
        -47,
        "10:00",
        6,
        lead="avitem",
        co=[("cmi", C)],
        themes=[CLIM, SUD],
        languages="en,el",
    ),
    DemoEvent(
        "Metropolitan governance roundtable",
        K.MEETING,
        "Istanbul",
        -38,
        "14:00",
        3,
        lead="ufm",
        co=[("medcities", C), ("uclg-med", C)],
        themes=[GOV],
    ),
    DemoEvent(
        "Mediterranean chambers and cities: joint agenda",
        K.CONFERENCE,
        "Barcelona",
        -30,
        "09:30",
        8,
        lead="ascame",
        co=[("medcities", C), ("cmi", P)],
        themes=[LED],
        venue_index=2,
        languages="en,fr,es",
    ),
    DemoEvent(
        "MED-SUDS mid-term review",
        K.MEETING,
        "Marseille",
        -21,
        "09:30",
        7,
        co=[("cmi", C), ("afd", C), ("giz", C)],
        themes=[SP],
        project="med-suds",
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Informal settlements upgrading: practitioners' exchange",
        K.WEBINAR,
        "",
        -14,
        "13:00",
        2,
        lead="ca",
        online=True,
        online_zone="America/New_York",
        themes=[SUD],
        co=[("undp-art", C)],
    ),
    DemoEvent(
        "Organic waste collection pilots: first results",
        K.WORKSHOP,
        "Tunis",
        -6,
        "09:30",
        5,
        lead="acr",
        co=[("medcities", C)],
        themes=[WASTE],
        project="circumed",
        languages="fr,ar",
    ),
    # A cancelled past event: still listed in the archive, marked as cancelled.
    DemoEvent(
        "Coastal erosion study visit to Alexandria",
        K.FIELD_VISIT,
        "Alexandria",
        -55,
        all_day_days=1,
        lead="cpmr-imc",
        co=[("avitem", C)],
        themes=[CLIM],
        status=Status.CANCELLED,
    ),
    # --- The coming year -----------------------------------------------------------------------
    DemoEvent(
        "City development strategy clinic for Irbid",
        K.WORKSHOP,
        "Irbid",
        5,
        "09:00",
        6,
        co=[("giz", C)],
        themes=[SP],
        project="med-suds",
        languages="ar,en",
        translations={
            "ar": {
                "title": "عيادة استراتيجية التنمية الحضرية لمدينة إربد",
                "summary": "ورشة عمل في إربد حول التخطيط الاستراتيجي.",
            },
            "fr": {
                "title": "Clinique de stratégie de développement urbain pour Irbid",
                "summary": "Atelier à Irbid sur la planification stratégique.",
            },
            "es": {
                "title": "Clínica de estrategia de desarrollo urbano para Irbid",
                "summary": "Taller en Irbid sobre planificación estratégica.",
            },
        },
    ),
    DemoEvent(
        "Mobility plans that cities can finance",
        K.WEBINAR,
        "",
        9,
        "11:00",
        1.5,
        lead="eib",
        online=True,
        online_zone="Europe/Luxembourg",
        themes=[MOB, LED],
        co=[("cmi", C)],
        translations={
            "fr": {
                "title": "Des plans de mobilité que les villes peuvent financer",
                "summary": "Webinaire sur la mobilité et le développement économique local.",
            },
            "es": {
                "title": "Planes de movilidad que las ciudades pueden financiar",
                "summary": "Seminario web sobre movilidad y desarrollo económico local.",
            },
            "ar": {
                "title": "خطط تنقل تستطيع المدن تمويلها",
                "summary": "ندوة عبر الإنترنت حول التنقل والتنمية الاقتصادية المحلية.",
            },
        },
    ),
    DemoEvent(
        "Reuse centres: from pilot to network",
        K.WORKSHOP,
        "Marseille",
        16,
        "09:30",
        6,
        lead="avitem",
        co=[("acr", C)],
        themes=[WASTE],
        project="circumed",
        languages="fr,en",
    ),
    DemoEvent(
        "UfM Urban Experts Group: winter session",
        K.MEETING,
        "Barcelona",
        23,
        "10:00",
        6,
        lead="ufm",
        co=[("medcities", C), ("uclg-med", C)],
        themes=[SUD, GOV],
        venue_index=1,
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Women in local government: leadership training",
        K.TRAINING,
        "Tunis",
        30,
        all_day_days=2,
        lead="uclg-med",
        co=[("mcaf", C)],
        themes=[GOV, PART],
        languages="ar,fr",
        venue_index=1,
    ),
    DemoEvent(
        "Historic centres and tourism pressure",
        K.CONFERENCE,
        "Athens",
        38,
        "09:30",
        7,
        lead="medcities",
        co=[("uclg-med", C), ("cideu", C)],
        themes=[HER, LED],
        project="medina-plus",
    ),
    DemoEvent(
        "Municipal climate finance readiness",
        K.TRAINING,
        "Cairo",
        44,
        "09:00",
        6,
        lead="afd",
        co=[("cmi", C), ("eib", P)],
        themes=[CLIM, LED],
        languages="en,ar",
    ),
    DemoEvent(
        "Saida old city rehabilitation: residents' workshop",
        K.WORKSHOP,
        "Saida",
        51,
        "10:00",
        4,
        lead="uclg-med",
        co=[("medcities", C)],
        themes=[HER, PART],
        project="medina-plus",
        languages="ar,fr",
    ),
    DemoEvent(
        "Data for urban planning: open city dashboards",
        K.WEBINAR,
        "",
        57,
        "15:00",
        1.5,
        lead="cideu",
        online=True,
        online_zone="Europe/Madrid",
        themes=[SP],
        languages="es,en",
    ),
    DemoEvent(
        "Algiers bay waterfront: planning charrette",
        K.WORKSHOP,
        "Algiers",
        64,
        "09:00",
        7,
        lead="avitem",
        co=[("medcities", C)],
        themes=[SUD, SP],
        languages="fr,ar",
    ),
    DemoEvent(
        "MED-SUDS investment forum",
        K.FORUM,
        "Casablanca",
        72,
        all_day_days=2,
        co=[("cmi", C), ("afd", C), ("eib", C), ("wb", P)],
        themes=[LED, SP],
        project="med-suds",
        languages="fr,en,ar",
        venue_index=1,
    ),
    DemoEvent(
        "Sustainable tourism and local economies",
        K.CONFERENCE,
        "Oran",
        80,
        "09:30",
        7,
        lead="ascame",
        co=[("uclg-med", P)],
        themes=[LED, HER],
        languages="fr,ar",
    ),
    DemoEvent(
        "ARLEM ECOTER commission: urban agenda",
        K.MEETING,
        "Brussels",
        87,
        "14:30",
        3,
        lead="arlem",
        co=[("medcities", C), ("cpmr-imc", C)],
        themes=[GOV],
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Heat action plans for Mediterranean cities",
        K.WEBINAR,
        "",
        93,
        "10:00",
        1.5,
        lead="medcities",
        online=True,
        online_zone="Europe/Madrid",
        themes=[CLIM],
        co=[("cpmr-imc", C), ("avitem", C)],
    ),
    DemoEvent(
        "Participatory planning in Beirut's neighbourhoods",
        K.WORKSHOP,
        "Beirut",
        101,
        "10:00",
        5,
        lead="mcaf",
        co=[("medcities", C), ("undp-art", C)],
        themes=[PART, SP],
        languages="ar,en",
        venue_index=1,
    ),
    DemoEvent(
        "Cities Alliance Mediterranean partners' day",
        K.MEETING,
        "Rome",
        108,
        all_day_days=1,
        lead="ca",
        co=[("medcities", C), ("undp-art", C)],
        themes=[SUD],
        venue_index=1,
    ),
    DemoEvent(
        "Bus rapid transit study tour",
        K.FIELD_VISIT,
        "Istanbul",
        116,
        all_day_days=3,
        lead="wb",
        co=[("cmi", C), ("giz", D)],
        themes=[MOB],
        venue_index=1,
    ),
    DemoEvent(
        "CIRCUMED final conference",
        K.CONFERENCE,
        "Thessaloniki",
        125,
        "09:30",
        7,
        lead="acr",
        co=[("medcities", C), ("avitem", C)],
        themes=[WASTE, CLIM],
        project="circumed",
        languages="en,el",
    ),
    DemoEvent(
        "Territorial development and the SDGs",
        K.FORUM,
        "Madrid",
        134,
        "09:30",
        8,
        lead="undp-art",
        co=[("uclg-med", C), ("ca", C)],
        themes=[SUD, GOV],
        languages="es,en",
    ),
    DemoEvent(
        "Amman water-sensitive city design lab",
        K.WORKSHOP,
        "Amman",
        142,
        "09:00",
        6,
        lead="giz",
        co=[("medcities", C)],
        themes=[CLIM, SP],
        languages="ar,en",
    ),
    DemoEvent(
        "Regional planners' network annual meeting",
        K.MEETING,
        "Paris",
        151,
        "09:30",
        7,
        lead="cpmr",
        co=[("cpmr-imc", C)],
        themes=[SP],
        visibility=Visibility.NETWORK,
    ),
    DemoEvent(
        "Mediterranean cities at the World Urban Forum: side event",
        K.CONFERENCE,
        "New York",
        160,
        "13:00",
        2.5,
        lead="ufm",
        co=[("medcities", C), ("cmi", C)],
        themes=[SUD],
    ),
    DemoEvent(
        "Heritage craftsmanship and jobs",
        K.TRAINING,
        "Tetouan",
        172,
        "10:00",
        5,
        lead="uclg-med",
        co=[("cideu", C)],
        themes=[HER, LED],
        project="medina-plus",
        languages="es,ar,fr",
    ),
    DemoEvent(
        "MedCities general assembly",
        K.CONFERENCE,
        "Barcelona",
        190,
        all_day_days=2,
        co=[("ufm", C), ("uclg-med", C), ("cmi", C)],
        themes=[SP, SUD, GOV],
        languages="en,fr,es,ar",
    ),
    DemoEvent(
        "Smart mobility for medium-sized cities",
        K.WORKSHOP,
        "Belgrade",
        205,
        "10:00",
        5,
        lead="eib",
        co=[("giz", P)],
        themes=[MOB],
        languages="en,sr",
    ),
    # A cancelled upcoming event: stays on the list, marked as cancelled, with the reason.
    DemoEvent(
        "Local economic development fair",
        K.FORUM,
        "Tunis",
        47,
        all_day_days=2,
        lead="ascame",
        co=[("medcities", C)],
        themes=[LED],
        status=Status.CANCELLED,
    ),
    # --- Proposals in every other state (visible only to their organisers and staff) ------------
    DemoEvent(
        "Nature-based solutions for flood risk",
        K.WORKSHOP,
        "Genoa",
        96,
        "09:30",
        6,
        lead="cpmr-imc",
        co=[("avitem", P)],
        themes=[CLIM],
        status=Status.DRAFT,
    ),
    DemoEvent(
        "Street food markets and informal economy",
        K.WORKSHOP,
        "Cairo",
        110,
        "10:00",
        5,
        lead="mcaf",
        themes=[LED],
        status=Status.DRAFT,
        languages="ar,en",
    ),
    DemoEvent(
        "Municipal borrowing: a practical guide",
        K.WEBINAR,
        "",
        40,
        "11:00",
        1.5,
        lead="cdc",
        online=True,
        online_zone="Europe/Paris",
        themes=[GOV, LED],
        co=[("eib", P)],
        status=Status.SUBMITTED,
        project="local-finance-lab",
    ),
    DemoEvent(
        "Cycling networks in compact cities",
        K.WORKSHOP,
        "Athens",
        68,
        "10:00",
        5,
        lead="giz",
        co=[("avitem", C)],
        themes=[MOB],
        status=Status.SUBMITTED,
    ),
    DemoEvent(
        "Cultural routes of the Mediterranean medinas",
        K.CONFERENCE,
        "Tunis",
        99,
        "09:30",
        7,
        lead="mcaf",
        co=[("uclg-med", P)],
        themes=[HER],
        status=Status.CHANGES_REQUESTED,
        languages="fr,ar",
    ),
    DemoEvent(
        "Urban agriculture exchange",
        K.FIELD_VISIT,
        "Casablanca",
        120,
        all_day_days=1,
        lead="cideu",
        themes=[CLIM, LED],
        status=Status.CHANGES_REQUESTED,
    ),
    DemoEvent(
        "Parallel urban experts' gathering",
        K.MEETING,
        "Barcelona",
        23,
        "15:00",
        3,
        lead="ascame",
        themes=[GOV],
        status=Status.REJECTED,
    ),
    DemoEvent(
        "Smart city procurement forum",
        K.FORUM,
        "Istanbul",
        75,
        "09:30",
        7,
        lead="cpmr",
        co=[("cdc", D)],
        themes=[GOV, LED],
        status=Status.WITHDRAWN,
    ),
]

# Written in another language than English, some with translations: pages show each field in
# the reader's language, or the original marked "in French" (coordinator.multilingual).
MULTILINGUAL_EVENTS = [
    DemoEvent(
        "Villes côtières face à la montée des eaux : plans d'adaptation",
        K.CONFERENCE,
        "Marseille",
        18,
        "09:30",
        7,
        lead="avitem",
        co=[("cmi", C)],
        themes=[CLIM, SUD],
        languages="fr,en,ar",
        language="fr",
        summary="Les villes du littoral méditerranéen comparent leurs plans d'adaptation à "
        "l'élévation du niveau de la mer.",
        description=(
            "**Villes côtières face à la montée des eaux** réunit des urbanistes et des élus "
            "des villes du réseau à Marseille.\n\n"
            "### Programme\n\n"
            "1. Accueil par la ville hôte et les partenaires\n"
            "2. Études de cas : Sfax, Alexandrie et Gênes\n"
            "3. Ateliers et prochaines étapes\n\n"
            "Interprétation assurée en français, en anglais et en arabe."
        ),
        translations={
            "en": {
                "title": "Coastal cities and rising seas: adaptation plans",
                "summary": "Cities of the Mediterranean coast compare their plans to adapt to "
                "sea-level rise.",
                "description": (
                    "**Coastal cities and rising seas** brings together planners and elected "
                    "officials of the network's cities in Marseille.\n\n"
                    "### Programme\n\n"
                    "1. Welcome by the host city and the partners\n"
                    "2. Case studies: Sfax, Alexandria and Genoa\n"
                    "3. Workshops and next steps\n\n"
                    "Interpretation in French, English and Arabic."
                ),
            },
            "ar": {
                "title": "المدن الساحلية في مواجهة ارتفاع منسوب البحر: خطط التكيف",
                "summary": "تقارن مدن الساحل المتوسطي خططها للتكيف مع ارتفاع مستوى سطح البحر.",
                "description": (
                    "**المدن الساحلية في مواجهة ارتفاع منسوب البحر** لقاء يجمع مخططين "
                    "ومنتخبين من مدن الشبكة في مرسيليا.\n\n"
                    "### البرنامج\n\n"
                    "1. كلمة ترحيب من المدينة المضيفة والشركاء\n"
                    "2. دراسات حالة: صفاقس والإسكندرية وجنوة\n"
                    "3. ورشات عمل والخطوات المقبلة\n\n"
                    "تتوفر الترجمة الفورية بالفرنسية والإنجليزية والعربية."
                ),
            },
        },
    ),
    DemoEvent(
        "ملتقى البلديات العربية حول إحياء المدن العتيقة",
        K.MEETING,
        "Saida",
        32,
        "10:00",
        5,
        lead="uclg-med",
        co=[("medcities", C)],
        themes=[HER, PART],
        project="medina-plus",
        languages="ar",
        language="ar",
        summary="رؤساء بلديات ومهندسون من تونس والمغرب ولبنان والأردن يتبادلون تجاربهم في "
        "ترميم المدن العتيقة.",
        description=(
            "**ملتقى البلديات العربية حول إحياء المدن العتيقة** يجمع ممارسين من مدن الشبكة "
            "في صيدا.\n\n"
            "### البرنامج\n\n"
            "1. جولة في خان الإفرنج\n"
            "2. تجارب من تطوان وصفاقس وصيدا\n"
            "3. ورشات عمل حول إشراك السكان\n\n"
            "تُعقد الجلسات باللغة العربية."
        ),
        # English only, and only the title and summary: the description stays Arabic, marked.
        translations={
            "en": {
                "title": "Arab municipalities' meeting on reviving historic medinas",
                "summary": "Mayors and engineers from Tunisia, Morocco, Lebanon and Jordan share "
                "how they restore historic medinas.",
            },
        },
    ),
    DemoEvent(
        "Movilidad sostenible en las ciudades iberoamericanas y mediterráneas",
        K.WORKSHOP,
        "Barcelona",
        25,
        "10:00",
        6,
        lead="cideu",
        co=[("medcities", C)],
        themes=[MOB, SUD],
        languages="es,fr",
        language="es",
        venue_index=2,
        summary="Técnicos municipales de ambas orillas comparan sus políticas de transporte "
        "público y de movilidad activa.",
        description=(
            "**Movilidad sostenible en las ciudades iberoamericanas y mediterráneas** reúne a "
            "técnicos de las ciudades de las dos redes en Barcelona.\n\n"
            "### Programa\n\n"
            "1. Bienvenida de CIDEU y MedCities\n"
            "2. Casos: Medellín, Túnez y Estambul\n"
            "3. Grupos de trabajo y próximos pasos\n\n"
            "Habrá interpretación en español y francés."
        ),
        translations={
            "fr": {
                "title": "Mobilité durable dans les villes ibéro-américaines et méditerranéennes",
                "summary": "Des techniciens municipaux des deux rives comparent leurs politiques "
                "de transport public et de mobilité active.",
                "description": (
                    "**Mobilité durable dans les villes ibéro-américaines et méditerranéennes** "
                    "réunit des techniciens des villes des deux réseaux à Barcelone.\n\n"
                    "### Programme\n\n"
                    "1. Accueil par le CIDEU et MedCities\n"
                    "2. Cas : Medellín, Tunis et Istanbul\n"
                    "3. Groupes de travail et prochaines étapes\n\n"
                    "Interprétation en espagnol et en français."
                ),
            },
        },
    ),
]

# Two recurring series fill the calendar the way the network actually works.
SERIES = [
    # title, kind, zone, local start, hours, offsets (days from today), lead, themes, visibility
    (
        "CMI Urban Hub coordination call",
        K.MEETING,
        "Europe/Paris",
        "14:00",
        1.0,
        list(range(-168, 200, 28)),
        "cmi",
        [SUD],
        Visibility.NETWORK,
    ),
    (
        "MedCities climate webinar",
        K.WEBINAR,
        "Europe/Madrid",
        "11:00",
        1.5,
        list(range(-150, 240, 56)),
        "medcities",
        [CLIM],
        Visibility.PUBLIC,
    ),
]


def _series_events() -> list[DemoEvent]:
    events = []
    for title, kind, zone, start, hours, offsets, lead, themes, visibility in SERIES:
        for number, offset in enumerate(offsets, start=1):
            events.append(
                DemoEvent(
                    f"{title} #{number}",
                    kind,
                    "",
                    offset,
                    start,
                    hours,
                    lead=lead,
                    themes=themes,
                    online=True,
                    online_zone=zone,
                    visibility=visibility,
                    summary="Part of a regular series of the network."
                    if kind == K.WEBINAR
                    else "Members' coordination call.",
                )
            )
    return events


def demo_events() -> list[DemoEvent]:
    return EVENTS + MULTILINGUAL_EVENTS + _series_events()


def _description(spec: DemoEvent, city: str) -> str:
    where = f"in {city}" if city else "online"
    return (
        f"**{spec.title}** brings together practitioners of the network {where}.\n\n"
        "### Programme\n\n"
        "1. Welcome by the host and the organising partners\n"
        "2. Case studies from member cities\n"
        "3. Working groups and next steps\n\n"
        "Interpretation is provided in the languages listed. Materials are shared with "
        "participants after the session."
    )


def _summary(spec: DemoEvent) -> str:
    where = f"in {spec.city}" if spec.city else "online"
    topics = " and ".join(name.lower() for name in spec.themes[:2])
    return f"{spec.kind.label} {where} on {topics}." if topics else f"{spec.kind.label} {where}."


def _local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)


def _moment(now: datetime, days: float) -> datetime:
    """A moment in the past relative to now (audit entries never lie in the future)."""
    return min(now, now + timedelta(days=days))


class _Network:
    """Partners, users and themes of the demo network, looked up once."""

    def __init__(self) -> None:
        self.partners = {p.slug: p for p in db.session.scalars(select(Partner)).all()}
        self.themes = {t.name: t for t in db.session.scalars(select(Theme)).all()}
        self.staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
        emails = [focal_point_email(slug) for slug in self.partners]
        self.focal_points = {
            user.partner_id: user
            for user in db.session.scalars(select(User).where(User.email.in_(emails))).all()
        }

    def proposer(self, partner: Partner) -> User:
        return self.focal_points[partner.id]


CANCEL_REASON = (
    "The host municipality could not secure the venue on these dates; the "
    "partners will propose new dates."
)


def _create(subject, created: datetime) -> None:
    """Add the activity as the draft its proposer saved at `created`."""
    with clock_at(created):
        db.session.add(subject)
        db.session.flush()
        record(
            actor=subject.proposer,
            subject_type="event" if isinstance(subject, Event) else "project",
            subject_id=subject.id,
            action="create",
            to_state=Status.DRAFT.value,
        )
        db.session.flush()


def _history(
    network: _Network,
    subject,
    status: Status,
    created: datetime,
    decided: datetime,
    now: datetime,
    cancel_reason: str = "",
) -> None:
    """Walk a new draft to `status` through the workflow, each step at its moment."""
    _create(subject, created)
    staff, proposer = network.staff, subject.proposer
    submitted = min(created + timedelta(days=2), decided)
    steps: list[tuple[datetime, User, Action, str]] = []
    if status != Status.DRAFT:
        steps.append((submitted, proposer, Action.SUBMIT, ""))
    if status == Status.CHANGES_REQUESTED:
        steps.append((decided, staff, Action.REQUEST_CHANGES, CHANGES_COMMENT))
    elif status == Status.REJECTED:
        steps.append((decided, staff, Action.REJECT, REJECT_COMMENT))
    elif status == Status.WITHDRAWN:
        steps.append(
            (
                decided,
                proposer,
                Action.WITHDRAW,
                "Postponed to next year; we will propose it again.",
            )
        )
    elif status in (Status.APPROVED, Status.CANCELLED):
        # A published activity went through one round of changes now and then.
        if subject.id % 4 == 0:
            steps += [
                (
                    submitted + (decided - submitted) / 3,
                    staff,
                    Action.REQUEST_CHANGES,
                    CHANGES_COMMENT,
                ),
                (
                    submitted + (decided - submitted) * 2 / 3,
                    proposer,
                    Action.SUBMIT,
                    "Venue confirmed and registration link added.",
                ),
            ]
        steps.append((decided, staff, Action.APPROVE, APPROVE_COMMENT))
    if status == Status.CANCELLED:
        # Called off a week or so before it was due (or yesterday, for one still ahead).
        start = getattr(subject, "start_dt", None) or now
        cancelled = max(
            min(now - timedelta(days=1), start - timedelta(days=10)), decided + timedelta(days=1)
        )
        steps.append((cancelled, staff, Action.CANCEL, cancel_reason))
    for moment, actor, action, comment in steps:
        with clock_at(moment):
            transition(actor, subject, action, comment, notify=False)


def _load_projects(network: _Network, today: date, now: datetime) -> dict[str, Project]:
    projects: dict[str, Project] = {}
    for spec in PROJECTS:
        project = db.session.scalar(select(Project).where(Project.slug == spec.slug))
        if project is not None:
            projects[spec.slug] = project
            continue
        lead = network.partners[spec.lead]
        start = today + timedelta(days=spec.start_offset)
        project = Project(
            slug=spec.slug,
            title=spec.title,
            acronym=spec.acronym,
            summary=spec.summary,
            description=spec.description,
            start_date=start,
            end_date=start + timedelta(days=round(spec.months * 30.4)),
            website=spec.website,
            lead_partner=lead,
            proposer=network.proposer(lead),
            status=Status.DRAFT,
            themes=[network.themes[name] for name in spec.themes],
            language=spec.language,
        )
        set_translations(project, spec.translations, project.proposer, ProjectTranslation)
        mark_checked(project, spec.translations)
        for slug, confirmation in spec.partners:
            partner = network.partners[slug]
            project.partner_links.append(
                ProjectPartner(
                    partner=partner,
                    confirmation=confirmation,
                    responded_by_id=(
                        None
                        if confirmation == Confirmation.PENDING
                        else getattr(network.focal_points.get(partner.id), "id", None)
                    ),
                    responded_dt=None if confirmation == Confirmation.PENDING else now,
                )
            )
        created = _moment(now, min(spec.start_offset, 0) - 90)
        _history(
            network,
            project,
            spec.status,
            created,
            _moment(now, min(spec.start_offset, 0) - 60),
            now,
        )
        projects[spec.slug] = project
    return projects


def _times(spec: DemoEvent, zone_name: str, today: date) -> dict:
    zone = ZoneInfo(zone_name)
    day = today + timedelta(days=spec.offset)
    if day.weekday() >= 5:  # the network meets on working days
        day += timedelta(days=7 - day.weekday())
    if spec.all_day_days:
        last_day = day + timedelta(days=spec.all_day_days - 1)
        return {
            "is_all_day": True,
            "start_date": day,
            "end_date": last_day,
            "start_dt": _local(day, "00:00", zone),
            "end_dt": _local(last_day + timedelta(days=1), "00:00", zone),
        }
    start = _local(day, spec.start, zone)
    return {
        "is_all_day": False,
        "start_date": None,
        "end_date": None,
        "start_dt": start,
        "end_dt": start + timedelta(hours=spec.hours),
    }


def _load_event(
    spec: DemoEvent, network: _Network, projects: dict[str, Project], today: date, now: datetime
) -> None:
    lead = network.partners[spec.lead]
    if spec.city:
        zone_name, country, venues = PLACES[spec.city]
        venue = venues[spec.venue_index % len(venues)]
    else:
        zone_name, country, venue = spec.online_zone, "", ""
    slug = spec.title.lower().replace(" ", "-").replace("'", "")[:60]
    if not slug.isascii():  # an Arabic or accented title: a plain link all the same
        slug = f"{spec.lead}-{spec.kind.value}-{spec.offset}"
    event = Event(
        title=spec.title,
        summary=spec.summary or _summary(spec),
        description=spec.description or _description(spec, spec.city),
        language=spec.language,
        kind=spec.kind,
        timezone=zone_name,
        venue=venue,
        city=spec.city,
        country=country,
        online_url=f"https://meet.medcities.example/{slug}" if spec.online else "",
        languages=spec.languages,
        registration_url=(
            ""
            if spec.visibility == Visibility.NETWORK
            else f"https://www.medcities.org/register/{slug}"
        ),
        visibility=spec.visibility,
        lead_partner=lead,
        proposer=network.proposer(lead),
        project=projects.get(spec.project) if spec.project else None,
        status=Status.DRAFT,
        themes=[network.themes[name] for name in spec.themes],
        **_times(spec, zone_name, today),
    )
    # Written by the proposer along with the original.
    set_translations(event, spec.translations, event.proposer, EventTranslation)
    mark_checked(event, spec.translations)
    for partner_slug, confirmation in spec.co:
        partner = network.partners[partner_slug]
        responder = network.focal_points.get(partner.id) or network.staff
        event.partner_links.append(
            EventPartner(
                partner=partner,
                confirmation=confirmation,
                responded_by_id=None if confirmation == Confirmation.PENDING else responder.id,
                responded_dt=None if confirmation == Confirmation.PENDING else _moment(now, -20),
            )
        )
    # Proposed two to three months ahead; decided within a few weeks of submission.
    created = _moment(now, min(spec.offset, 0) - 75 - spec.offset % 20)
    decided = _moment(now, min(spec.offset, 0) - 40 - spec.offset % 10)
    if spec.status in (Status.SUBMITTED, Status.DRAFT):
        created = _moment(now, -10 - spec.offset % 7)
        decided = _moment(now, -8 - spec.offset % 5)
    _history(network, event, spec.status, created, decided, now, cancel_reason=CANCEL_REASON)


def load_demo_activities(today: date | None = None) -> dict[str, int]:
    """Create the demo projects and events (once); returns how many of each exist."""
    now = datetime.now(UTC).replace(microsecond=0)
    today = today or now.date()
    network = _Network()
    projects = _load_projects(network, today, now)
    existing = set(
        db.session.scalars(
            select(Event.title).where(Event.title.in_([spec.title for spec in demo_events()]))
        ).all()
    )
    for spec in demo_events():
        if spec.title not in existing:
            _load_event(spec, network, projects, today, now)
    db.session.flush()
    return {
        "projects": db.session.scalar(select(func.count()).select_from(Project)),
        "events": db.session.scalar(select(func.count()).select_from(Event)),
    }
