"""The Prometheus endpoint: open by default, behind a bearer token when METRICS_TOKEN is set."""

import pytest

METRICS_TOKEN = "metrics-scrape-token-for-tests"


def test_metrics_open_without_token(client, db):
    client.get("/health")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_view_transport_method_total" in response.content.decode()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x", METRICS_TOKEN],
)
def test_metrics_rejects_missing_or_wrong_token(client, db, settings, authorization):
    settings.METRICS_TOKEN = METRICS_TOKEN
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "METRICS_TOKEN" in response.content.decode()
    assert "django_http" not in response.content.decode()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_metrics_accepts_configured_token(client, db, settings, scheme):
    settings.METRICS_TOKEN = METRICS_TOKEN

    response = client.get("/metrics", headers={"Authorization": f"{scheme} {METRICS_TOKEN}"})

    assert response.status_code == 200
    assert "django_http" in response.content.decode()
