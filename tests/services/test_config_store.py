"""config.json: atomic private writes, schema versioning, migrations, backups of damaged or newer files."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from vmconsole_gui.services.settings import (
    RECENT_VMS_LIMIT,
    AppPaths,
    AppSettings,
    Config,
    ConfigStore,
    ConnectionProfile,
    ConsoleType,
    CorruptSettingsFileError,
    NewerSchemaError,
    RecentVm,
    SettingsFileError,
    SettingsReadOnlyError,
    atomic,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Umask 0, so modes on created files/dirs come from the code, not from the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _full_config() -> Config:
    """A config in which every field differs from its default (checked by a test below)."""
    profile = ConnectionProfile(
        id="0b6f0c1e-5d0c-4d2a-9a57-8d4f6c1e2a10",
        name="Lab “north” vCenter",
        host="vc01.example.com",
        port=8443,
        username="administrator@vsphere.local",
        console_type=ConsoleType.VMRC,
        favourite_vm_ids=("vm-42", "vm-7"),
        auto_connect=True,
    )
    settings = AppSettings(
        auto_refresh_seconds=0,
        console_client_override="/opt/vmware/bin/vmrc",
        close_to_tray_notice_shown=True,
        start_minimised=True,
        recent_vms=(
            RecentVm(profile_id=profile.id, vm_id="vm-42", name="web-01", opened_at="2026-01-02T03:04:05+00:00"),
        ),
        ui_state={"main_window.geometry": "AdnQywADAAA="},
    )
    return Config(profiles=(profile,), settings=settings)


def test_every_field_is_covered_by_the_round_trip_fixture() -> None:
    config = _full_config()
    for obj in (config, config.profiles[0], config.settings, config.settings.recent_vms[0]):
        for field in dataclasses.fields(obj):
            if field.default is not dataclasses.MISSING:
                assert getattr(obj, field.name) != field.default, f"{type(obj).__name__}.{field.name} not exercised"
            elif field.default_factory is not dataclasses.MISSING:
                assert getattr(obj, field.name) != field.default_factory(), f"{type(obj).__name__}.{field.name}"


def test_round_trip_of_every_field(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.json")
    store.commit(_full_config())
    fresh = ConfigStore(tmp_path / "config.json")
    assert fresh.load() == _full_config()
    assert fresh.config.profiles[0].console_type is ConsoleType.VMRC


def test_missing_file_gives_defaults_and_creates_nothing(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "cfg" / "config.json")
    assert store.load() == Config()
    assert not (tmp_path / "cfg").exists()


def test_file_is_0600_and_created_dir_0700_even_with_umask_0(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "new-dir" / "config.json"
    ConfigStore(path).save()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert json.loads(path.read_text())["schema"] == ConfigStore.SCHEMA_VERSION == 1


def test_replacing_a_world_readable_file_makes_it_0600(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"schema": 1}')
    path.chmod(0o644)
    store = ConfigStore(path)
    store.load()
    store.update_settings(start_minimised=True)
    assert _mode(path) == 0o600


def test_crash_between_temp_write_and_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.json"
    store = ConfigStore(path)
    store.commit(_full_config())
    before = path.read_bytes()
    written: list[bytes] = []

    def crash(src: str, dst: Any) -> None:
        written.append(Path(src).read_bytes())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_replace", crash)
    with pytest.raises(OSError, match="No space left"):
        store.update_settings(auto_refresh_seconds=300)
    assert written
    assert b'"auto_refresh_seconds": 300' in written[0]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]  # temp file cleaned up
    assert ConfigStore(path).load() == _full_config()


@pytest.mark.allow_log_warnings
def test_corrupt_json_gives_clear_error_backup_and_defaults(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "config.json"
    damaged = b'{"schema": 1, "profiles": [{"name": "lab", '
    path.write_bytes(damaged)
    store = ConfigStore(path)
    with pytest.raises(CorruptSettingsFileError) as caught:
        store.load()
    error = caught.value
    assert "damaged" in str(error)
    assert "not valid JSON" in str(error)
    assert error.backup_path is not None
    assert str(error.backup_path) in str(error)
    assert error.backup_path.read_bytes() == damaged
    assert _mode(error.backup_path) == 0o600
    assert store.config == Config()
    store.update_settings(start_minimised=True)  # a damaged file may be replaced; its backup stays
    assert error.backup_path.read_bytes() == damaged
    assert ConfigStore(path).load().settings.start_minimised is True


@pytest.mark.allow_log_warnings
@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"schema": 1, "profiles": [{"name": "a", "host": "h", "username": "u", "port": "443"}]}, "profiles[0].port"),
        ({"schema": 1, "profiles": [{"name": "a", "username": "u"}]}, "missing entry 'host'"),
        ({"schema": 1, "profiles": [{"name": "a", "host": "h", "username": "u", "console_type": "RDP"}]}, "'RDP'"),
        ({"schema": 1, "settings": {"auto_refresh_seconds": -5}}, "cannot be negative"),
        ({"profiles": []}, '"schema"'),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_content_that_does_not_fit_the_schema_is_reported_precisely(
    tmp_path: Path, document: Any, expected: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CorruptSettingsFileError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        ConfigStore(path).load()


@pytest.mark.allow_log_warnings
def test_newer_schema_is_left_untouched_and_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    newer = json.dumps({"schema": 7, "profiles": [{"name": "from the future"}], "holograms": True}).encode()
    path.write_bytes(newer)
    store = ConfigStore(path)
    with pytest.raises(NewerSchemaError) as caught:
        store.load()
    message = str(caught.value)
    assert "newer version of vmconsole-gui" in message
    assert "format 7" in message
    assert "left untouched" in message
    backup = caught.value.backup_path
    assert backup is not None
    assert backup.read_bytes() == newer
    assert store.config == Config()
    assert store.read_only
    with pytest.raises(SettingsReadOnlyError, match="left untouched"):
        store.update_settings(start_minimised=True)
    assert store.settings.start_minimised is True  # the change applies to this session
    assert path.read_bytes() == newer
    store.allow_overwrite()
    store.save()
    assert json.loads(path.read_text())["schema"] == 1
    assert backup.read_bytes() == newer


def test_unreadable_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.mkdir()  # a directory where the file should be: reading fails with an OSError
    store = ConfigStore(path)
    with pytest.raises(SettingsFileError, match="could not be read"):
        store.load()
    with pytest.raises(SettingsReadOnlyError):
        store.save()


class _SchemaTwoStore(ConfigStore):
    """A pretend future version whose schema 1 had a different shape ("connections" with "hostname")."""

    SCHEMA_VERSION: ClassVar[int] = 2

    @staticmethod
    def _one_to_two(document: dict[str, Any]) -> dict[str, Any]:
        connections = document.pop("connections")
        document["profiles"] = [
            {"id": c["uuid"], "name": c["label"], "host": c["hostname"], "username": c["user"]} for c in connections
        ]
        return document

    MIGRATIONS: ClassVar[dict[int, Any]] = {1: _one_to_two}


OLD_SCHEMA_FIXTURE = {
    "schema": 1,
    "connections": [{"uuid": "p-1", "label": "Lab", "hostname": "vc01.example.com", "user": "admin@vsphere.local"}],
    "settings": {"start_minimised": True},
}


@pytest.mark.asyncio
async def test_migration_hook_upgrades_an_older_file_and_keeps_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    original = json.dumps(OLD_SCHEMA_FIXTURE).encode()
    path.write_bytes(original)
    store = _SchemaTwoStore(path)
    config = await store.load_async()
    assert config.profiles == (
        ConnectionProfile(id="p-1", name="Lab", host="vc01.example.com", username="admin@vsphere.local"),
    )
    assert config.settings.start_minimised is True
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("config.json.schema-1-")]
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    assert path.read_bytes() == original  # migration happens in memory; the next save writes schema 2
    await store.save_async()
    assert json.loads(path.read_text())["schema"] == 2
    assert await _SchemaTwoStore(path).load_async() == config


@pytest.mark.allow_log_warnings
def test_schema_without_a_migration_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"schema": 0}')
    with pytest.raises(CorruptSettingsFileError, match="format 0 is too old"):
        ConfigStore(path).load()


@pytest.mark.asyncio
async def test_concurrent_async_updates_all_land_in_order(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    store = ConfigStore(path)
    await asyncio.gather(*(store.update_settings_async(auto_refresh_seconds=n) for n in range(1, 21)))
    assert store.settings.auto_refresh_seconds == 20
    assert (await ConfigStore(path).load_async()).settings.auto_refresh_seconds == 20


def test_recent_vms_are_deduplicated_newest_first_and_capped() -> None:
    settings = AppSettings()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(RECENT_VMS_LIMIT + 5):
        settings = settings.with_recent_vm("p", f"vm-{n}", f"VM {n}", when=t0)
    settings = settings.with_recent_vm("p", "vm-10", "VM ten", when=t0)
    assert len(settings.recent_vms) == RECENT_VMS_LIMIT
    assert settings.recent_vms[0].vm_id == "vm-10"
    assert settings.recent_vms[0].name == "VM ten"
    assert [r.vm_id for r in settings.recent_vms].count("vm-10") == 1
    assert settings.recent_vms[1].vm_id == f"vm-{RECENT_VMS_LIMIT + 4}"
    assert settings.recent_vms[0].opened_at == "2026-01-01T00:00:00+00:00"


def test_ui_blobs_round_trip_as_base64(tmp_path: Path) -> None:
    blob = bytes(range(256))
    store = ConfigStore(tmp_path / "config.json")
    store.update_settings(ui_state=store.settings.with_ui_blob("vm_table.header", blob).ui_state)
    loaded = ConfigStore(tmp_path / "config.json").load().settings
    assert loaded.ui_blob("vm_table.header") == blob
    assert loaded.ui_blob("absent") is None
    assert dataclasses.replace(loaded, ui_state={"bad": "not base64!"}).ui_blob("bad") is None


def test_paths_follow_xdg_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, permissive_umask: None) -> None:
    for name in ("CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    paths = AppPaths.for_user()
    assert paths.config_dir == tmp_path / "config" / "vmconsole-gui"
    assert paths.cache_dir == tmp_path / "cache" / "vmconsole-gui"
    assert paths.state_dir == tmp_path / "state" / "vmconsole-gui"
    assert paths.log_dir.is_relative_to(paths.state_dir)
    assert paths.config_file == paths.config_dir / "config.json"
    paths.ensure()
    for directory in (paths.config_dir, paths.cache_dir, paths.log_dir, paths.state_dir):
        assert _mode(directory) == 0o700


def test_paths_under_one_base(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)
    assert paths.pins_file == tmp_path / "config" / "pins.json"
    assert {p.parent for p in (paths.config_dir, paths.cache_dir, paths.log_dir, paths.state_dir)} == {tmp_path}
