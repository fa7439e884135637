"""The branded hosted login page at /orgs/<slug>/login."""

from django.test import Client

from accounts.models import Session
from plinto.testing.fixtures import STRONG_PASSWORD


def test_page_shows_branding(make_org):
    make_org(
        slug="acme",
        display_name="Acme Portal",
        logo_url="https://cdn.acme.example/logo.png",
        primary_colour="#123abc",
        support_email="help@acme.example",
    )

    page = Client().get("/orgs/acme/login")
    stylesheet = Client().get("/orgs/acme/brand.css")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Log in to Acme Portal" in html
    assert 'src="https://cdn.acme.example/logo.png"' in html
    assert "help@acme.example" in html
    assert "img-src 'self' data: https://cdn.acme.example" in page["Content-Security-Policy"]
    assert "style-src 'self';" in page["Content-Security-Policy"]
    assert stylesheet["Content-Type"].startswith("text/css")
    assert "--brand-colour: #123abc;" in stylesheet.content.decode()


def test_unknown_or_deactivated_organization_is_not_found(make_org):
    make_org(slug="gone", status="deactivated")

    assert Client().get("/orgs/nobody/login").status_code == 404
    assert Client().get("/orgs/gone/login").status_code == 404


def test_member_logs_in_through_page(make_org):
    org = make_org(slug="acme")
    browser = Client()

    response = browser.post("/orgs/acme/login", {"email": org.owner.email, "password": STRONG_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/account"
    session = Session.objects.get(user=org.owner)
    assert session.organization_id == org.pk
    assert browser.session["plinto_session_id"] == str(session.pk)


def test_non_member_is_refused_on_page(make_org, make_user):
    make_org(slug="acme")
    outsider = make_user(email="outsider@example.org")
    browser = Client()

    response = browser.post("/orgs/acme/login", {"email": outsider.email, "password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert "not a member of this organization" in response.content.decode()
    assert Session.objects.count() == 0
    assert "_auth_user_id" not in browser.session


def test_wrong_password_on_page_is_refused(make_org):
    org = make_org(slug="acme")

    response = Client().post("/orgs/acme/login", {"email": org.owner.email, "password": "wrong"})

    assert response.status_code == 401
    assert "incorrect" in response.content.decode()
    assert Session.objects.count() == 0


def test_page_requires_csrf_token(make_org):
    org = make_org(slug="acme")
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/orgs/acme/login", {"email": org.owner.email, "password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert Session.objects.count() == 0
