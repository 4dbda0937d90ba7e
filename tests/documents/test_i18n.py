"""The documents pages, their flashes and refusals speak the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from coordinator.documents.views import localized_file_size
from tests.documents import samples
from tests.documents.conftest import upload_data

FR = {"Accept-Language": "fr"}
AR = {"Accept-Language": "ar"}


def test_the_upload_page_in_french(client, login_as, network):
    login_as(network.lead_fp)
    page = client.get(f"/events/{network.event.id}/documents/new", headers=FR).get_data(
        as_text=True
    )
    assert f"Téléverser un document pour <bdi>{network.event.title}</bdi>" in page
    assert "Qui peut le voir" in page and "Partenaires concernés uniquement" in page
    assert "Par défaut, le nom du fichier." in page
    # The size limit in French units and decimals; the script's placeholders survive.
    assert "Jusqu’à 25\u202fMo." in page
    assert "Le fichier « {name} » pèse {size} ; la limite est de 25\u202fMo." in page
    assert "Upload a document" not in page


def test_a_refused_upload_explains_itself_in_arabic(client, login_as, network):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(b"", "empty.pdf", visibility="partners"),
        headers=AR,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page and "الملف فارغ." in page


def test_a_refused_extension_names_it_in_spanish(client, login_as, network):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(b"MZ", "tool.exe", visibility="partners"),
        headers={"Accept-Language": "es"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "No se aceptan archivos de tipo .exe." in response.get_data(as_text=True)


def test_upload_flash_and_document_page_in_french(client, login_as, network):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(samples.pdf("agenda"), "agenda.pdf", title="Ordre du jour"),
        headers=FR,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "« Ordre du jour » a été téléversé." in page
    assert "Télécharger la version en vigueur" in page
    assert "Les téléchargements de ce document réservé aux partenaires sont enregistrés." in page
    assert "Partenaires concernés uniquement" in page  # the visibility label


def test_the_documents_list_in_arabic(client, login_as, network, attach):
    attach(network.event, network.lead_fp, "network", title="Agenda")
    login_as(network.lead_fp)
    page = client.get(f"/events/{network.event.id}/documents", headers=AR).get_data(as_text=True)
    assert f"وثائق <bdi>{network.event.title}</bdi>" in page
    assert "رفع وثيقة" in page and "الشبكة" in page


@pytest.mark.parametrize(
    "size, language, expected",
    [
        (82, "en", "82 bytes"),
        (82, "fr", "82\u00a0octets"),
        (5_000, "en", "5 kB"),
        (25_000_000, "en", "25 MB"),
        (26_214_400, "en", "26.2 MB"),
        (1_500_000, "fr", "1,5\u202fMo"),
        (1_500_000, "es", "1,5 MB"),
        (2_500_000_000, "en", "2.5 GB"),
        (None, "en", ""),
    ],
)
def test_file_sizes_follow_the_language(app, size, language, expected):
    with app.test_request_context(), force_locale(language):
        assert localized_file_size(size) == expected
