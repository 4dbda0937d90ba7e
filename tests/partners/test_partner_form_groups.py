"""The partner form's groups are check boxes too: no Ctrl-click list, no "Hold Ctrl" hint."""

from coordinator.extensions import db
from coordinator.partners.models import PartnerGroup


def test_groups_are_check_boxes(client, login_as, staff):
    db.session.add_all(
        [PartnerGroup(name="CMI Urban Hub", slug="cmi"), PartnerGroup(name="MedCities", slug="mc")]
    )
    login_as(staff)
    html = client.get("/partners/new").get_data(as_text=True)
    assert "Hold Ctrl" not in html and "<select multiple" not in html
    assert '<fieldset class="mb-3 choice-list" id="groups-fieldset"' in html
    assert html.count('type="checkbox"') >= 2
