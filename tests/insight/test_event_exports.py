"""The per-event list for funders (CSV and .xlsx), chart labels by acronym, and who may export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from coordinator.activities.models import Confirmation, EventKind, Status
from coordinator.extensions import db
from coordinator.insight.reports import partner_acronym
from tests.factories import (
    EventFactory,
    EventPartnerFactory,
    PartnerFactory,
    ProjectFactory,
    ThemeFactory,
    UserFactory,
)

QUERY = "?start=2026-01-01&end=2026-12-31"


@pytest.fixture
def joint(app):
    afd = PartnerFactory(name="Agence Française de Développement (AFD)", acronym="", slug="afd")
    cmi = PartnerFactory(name="Center for Mediterranean Integration", acronym="CMI", slug="cmi")
    evil = PartnerFactory(name='=HYPERLINK("http://x")', acronym="", slug="evil")
    water = ThemeFactory(name="Water and sanitation", slug="water")
    project = ProjectFactory(title="Blue Mediterranean cities", slug="blue", lead_partner=afd)
    start = datetime(2026, 6, 10, 7, 30, tzinfo=UTC)
    event = EventFactory(
        title="Coastal flooding workshop",
        lead_partner=cmi,
        kind=EventKind.WORKSHOP,
        project=project,
        country="TN",
        city="Sfax",
        timezone="Africa/Tunis",
        start_dt=start,
        end_dt=start.replace(hour=10),
    )
    event.themes.append(water)
    EventPartnerFactory(event=event, partner=afd, confirmation=Confirmation.CONFIRMED)
    EventPartnerFactory(event=event, partner=evil, confirmation=Confirmation.PENDING)
    EventFactory(
        title="-2+3 budget", lead_partner=evil, start_dt=start, end_dt=start.replace(hour=9)
    )
    EventFactory(title="Draft only", status=Status.DRAFT, lead_partner=afd, start_dt=start)
    EventFactory(title="Last year", lead_partner=afd, start_dt=datetime(2025, 5, 1, tzinfo=UTC))
    db.session.commit()
    return event


def test_acronyms_come_from_the_field_or_the_name():
    assert partner_acronym("Center for Mediterranean Integration", "CMI") == "CMI"
    assert partner_acronym("Agence Française de Développement (AFD)", "") == "AFD"
    assert partner_acronym("Ville de Marseille", "") == ""
    assert partner_acronym("UfM", "UfM") == ""


def test_staff_download_one_csv_row_per_activity(client, login_as, staff, joint):
    login_as(staff)
    response = client.get("/reports/events.csv" + QUERY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["Title"] for row in rows) == ["'-2+3 budget", "Coastal flooding workshop"]
    row = next(r for r in rows if r["Title"] == "Coastal flooding workshop")
    assert row["Lead partner"] == "Center for Mediterranean Integration (CMI)"
    assert row["Co-organisers (confirmed)"] == "Agence Française de Développement (AFD)"
    roles = row["Partners and roles"]
    assert "Center for Mediterranean Integration (CMI): lead" in roles
    assert "Agence Française de Développement (AFD): co-organiser" in roles
    assert "pending" in roles
    assert (row["Country code"], row["Country"], row["City"]) == ("TN", "Tunisia", "Sfax")
    assert row["Themes"] == "Water and sanitation" and row["Project"] == "Blue Mediterranean cities"
    assert row["Kind"] == "Workshop" and row["Time zone"] == "Africa/Tunis"
    assert (row["Start (local)"], row["End (local)"]) == ("2026-06-10 08:30", "2026-06-10 11:30")
    assert (row["Start (UTC)"], row["End (UTC)"]) == ("2026-06-10T07:30Z", "2026-06-10T10:30Z")


def test_staff_download_the_same_rows_as_a_workbook(client, login_as, staff, joint):
    login_as(staff)
    response = client.get("/reports/events.xlsx" + QUERY)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["Activities"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:3] == ["Event ID", "Title", "Kind"]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_title) == {"Coastal flooding workshop", "'-2+3 budget"}
    workshop = by_title["Coastal flooding workshop"]
    assert workshop["Event ID"] == joint.id and workshop["City"] == "Sfax"
    assert workshop["Start (local)"] == "2026-06-10 08:30"
    # No cell is a formula: openpyxl would store "=…" text as one.
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    assert by_title["'-2+3 budget"]["Lead partner"] == '\'=HYPERLINK("http://x")'


def test_filters_narrow_the_list(client, login_as, staff, joint):
    login_as(staff)
    body = client.get("/reports/events.csv" + QUERY + "&country=TN").get_data(as_text=True)
    assert "Coastal flooding workshop" in body and "budget" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_only_staff_may_export(client, login_as, joint, fmt):
    url = f"/reports/events.{fmt}" + QUERY
    assert client.get(url).status_code in (302, 401, 403, 404)
    login_as(UserFactory(role="focal_point", partner=joint.lead_partner))
    assert client.get(url).status_code == 403


def test_a_bad_period_is_refused_with_a_reason(client, login_as, staff):
    login_as(staff)
    response = client.get("/reports/events.xlsx?start=2026-12-31&end=2026-01-01")
    assert response.status_code == 400


def test_the_reports_page_links_the_exports_for_staff_only(client, login_as, staff, joint):
    login_as(staff)
    page = client.get("/reports/" + QUERY).get_data(as_text=True)
    assert "/reports/events.xlsx?" in page and "/reports/events.csv?" in page
    # Chart labels are acronyms, with the full name as the tooltip and in the table.
    assert re.search(r"<title>Agence Française de Développement \(AFD\)</title>AFD</text>", page)
    assert re.search(r"<title>Center for Mediterranean Integration</title>CMI</text>", page)
    assert "<bdi>Center for Mediterranean Integration</bdi> (<bdi>CMI</bdi>)</th>" in page
    assert "<bdi>Agence Française de Développement (AFD)</bdi></th>" in page
    client.get("/logout")
    login_as(UserFactory(role="focal_point", partner=joint.lead_partner))
    page = client.get("/reports/" + QUERY).get_data(as_text=True)
    assert "/reports/events.xlsx" not in page


def test_staff_choose_the_exports_filters_on_the_reports_page(client, login_as, staff, joint):
    """The period form carries the list filters: chosen there, they narrow the downloads."""
    login_as(staff)
    page = client.get("/reports/" + QUERY).get_data(as_text=True)
    assert 'id="export-partner"' in page and 'id="export-country"' in page
    assert '<option value="cmi">' in page
    page = client.get("/reports/" + QUERY + "&partner=cmi&kind=workshop").get_data(as_text=True)
    assert '<option value="cmi" selected>' in page
    links = re.findall(r'href="(/reports/events\.(?:csv|xlsx)\?[^"]*)"', page)
    assert len(links) == 2
    assert all("partner=cmi" in link and "kind=workshop" in link for link in links)
    client.get("/logout")
    login_as(UserFactory(role="focal_point", partner=joint.lead_partner))
    page = client.get("/reports/" + QUERY).get_data(as_text=True)
    assert 'id="export-partner"' not in page
