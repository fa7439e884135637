"""System checks on the relying party settings."""

from accounts.passkeys.checks import check_passkey_settings


def _ids():
    return [problem.id for problem in check_passkey_settings(None)]


def test_matching_settings_pass():
    assert _ids() == []


def test_ip_address_rp_id_warns(settings):
    settings.PASSKEY_RP_ID = "10.0.0.5"
    settings.PASSKEY_ORIGINS = ["https://10.0.0.5"]

    assert _ids() == ["passkeys.W001"]


def test_origin_outside_rp_id_fails(settings):
    settings.PASSKEY_ORIGINS = ["https://plinto.test", "https://login.plinto.test", "https://notplinto.test"]

    assert _ids() == ["passkeys.E001"]


def test_origin_with_path_fails(settings):
    settings.PASSKEY_ORIGINS = ["https://plinto.test/login"]

    assert _ids() == ["passkeys.E001"]
