"""Settings: defaults, shortcuts, and startup-stopping errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_gateway.core.config import ProviderSettings, SettingsError, load_settings, mask_url


def test_defaults_are_the_embedded_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMGW_DATABASE_URL", raising=False)
    monkeypatch.delenv("LLMGW_REDIS_URL", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database.backend_name == "sqlite"
    assert "var/" in settings.database.url
    assert settings.store.backend_name == "memory"


def test_two_variables_switch_to_postgres_and_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_DATABASE_URL", "postgresql+asyncpg://u:pw@db:5432/gw")
    monkeypatch.setenv("LLMGW_REDIS_URL", "redis://cache:6379/0")
    settings = load_settings(_env_file=None)
    assert settings.database.backend_name == "postgresql"
    assert settings.database.url == "postgresql+asyncpg://u:pw@db:5432/gw"
    assert settings.store.backend_name == "redis"


def test_nested_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_SERVER__PORT", "9001")
    assert load_settings(_env_file=None).server.port == 9001


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LLMGW_SERVER__PORT", "not-a-port"),
        ("LLMGW_SERVER__PORT", "70000"),
        ("LLMGW_DATABASE_URL", "mysql://nope"),
        ("LLMGW_REDIS_URL", "http://not-redis"),
        ("LLMGW_TELEMETRY__LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert name in str(info.value)


def test_production_refuses_the_dev_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert "LLMGW_SECURITY__JWT_SECRET" in str(info.value)


def test_production_accepts_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_ENVIRONMENT", "production")
    monkeypatch.setenv("LLMGW_SECURITY__JWT_SECRET", "x" * 48)
    settings = load_settings(_env_file=None)
    assert not settings.is_dev
    assert settings.log_json


def test_env_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    env = Path(str(tmp_path)) / ".env"
    env.write_text("LLMGW_SERVER__PORT=9100\n")
    assert load_settings(_env_file=str(env)).server.port == 9100


def test_mask_url_hides_password() -> None:
    assert mask_url("postgresql+asyncpg://u:secret@h/db") == "postgresql+asyncpg://u:***@h/db"
    assert mask_url("redis://h:6379/0") == "redis://h:6379/0"


def test_env_example_models_path_works_outside_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `cp .env.example /srv/gw/.env` then `llm-gateway serve` from /srv/gw: the relative
    # config/models.yaml is not there, so the install's own file is used.
    monkeypatch.chdir(tmp_path)
    settings = ProviderSettings(models_file=Path("config/models.yaml"))
    assert settings.models_file.is_absolute()
    assert settings.models_file.is_file()
    # A relative path that exists where the gateway runs wins.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "models.yaml").write_text("version: 1\n")
    assert ProviderSettings(models_file=Path("config/models.yaml")).models_file == Path(
        "config/models.yaml"
    )
