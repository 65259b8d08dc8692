"""Settings, connection profiles, certificate pins and credentials: plain Python, no Qt.

Typical start-up::

    paths = AppPaths.for_user()
    config = ConfigStore(paths.config_file)
    try:
        await config.load_async()
    except SettingsFileError as error:   # damaged or newer file: defaults are in use, a backup was kept
        show_once(str(error))
    profiles = ProfileStore(config)
    pins = PinStore(paths.pins_file)      # pins.load_async() raises the same way
    credentials = CredentialStore()
    if not await credentials.probe():
        show_once(credentials.take_notice())
"""

from vmconsole_gui.services.settings.config_store import ConfigStore
from vmconsole_gui.services.settings.credentials import (
    SERVICE_NAME,
    CredentialStore,
    CredentialTarget,
    Secret,
    keyring_username,
)
from vmconsole_gui.services.settings.jsonfile import (
    CorruptSettingsFileError,
    NewerSchemaError,
    SettingsFileError,
    SettingsReadOnlyError,
)
from vmconsole_gui.services.settings.model import (
    RECENT_VMS_LIMIT,
    AppSettings,
    Config,
    ConnectionProfile,
    ConsoleType,
    RecentVm,
    new_profile_id,
)
from vmconsole_gui.services.settings.paths import APP_NAME, AppPaths
from vmconsole_gui.services.settings.pins import Pin, PinCheck, PinKind, PinScope, PinStore, pin_key
from vmconsole_gui.services.settings.profiles import (
    ProfileNotFoundError,
    ProfileStore,
    ProfileValidationError,
    ValidationIssue,
    normalise_host,
)

__all__ = [
    "APP_NAME",
    "RECENT_VMS_LIMIT",
    "SERVICE_NAME",
    "AppPaths",
    "AppSettings",
    "Config",
    "ConfigStore",
    "ConnectionProfile",
    "ConsoleType",
    "CorruptSettingsFileError",
    "CredentialStore",
    "CredentialTarget",
    "NewerSchemaError",
    "Pin",
    "PinCheck",
    "PinKind",
    "PinScope",
    "PinStore",
    "ProfileNotFoundError",
    "ProfileStore",
    "ProfileValidationError",
    "RecentVm",
    "Secret",
    "SettingsFileError",
    "SettingsReadOnlyError",
    "ValidationIssue",
    "keyring_username",
    "new_profile_id",
    "normalise_host",
    "pin_key",
]
