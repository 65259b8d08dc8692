"""The console web page and its hygiene: off-the-record profile, locked navigation, request allow-list, JS bridge.

Modelled on Anki's ``aqt/webview.py`` (style-anchors.md §5): a dedicated :class:`QWebEngineProfile` per console tab
(off the record, no cache, no cookies kept, downloads refused, permissions denied), a :class:`ConsolePage` that only
navigates to the exact console URL it was asked to load, opens no windows, rejects every certificate error and logs
the page's console messages (redacted) at INFO, and a :class:`ConsoleRequestInterceptor` that lets through only the
console page's own files, ``qrc:`` (qwebchannel.js) and the relay's ``ws://127.0.0.1:<port>/``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, QUrlQuery, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineCertificateError,
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEnginePermission,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from vmconsole_gui.services.relay import BIND_HOST, redact_relay
from vmconsole_gui.ui.console.resources import allowed_dirs, console_page

log = logging.getLogger("vmconsole_gui.ui.console.page")
js_log = logging.getLogger("vmconsole_gui.ui.console.js")

_OFF = (
    QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows,
    QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard,
    QWebEngineSettings.WebAttribute.JavascriptCanPaste,
    QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
    QWebEngineSettings.WebAttribute.LocalStorageEnabled,
    QWebEngineSettings.WebAttribute.PluginsEnabled,
    QWebEngineSettings.WebAttribute.PdfViewerEnabled,
    QWebEngineSettings.WebAttribute.FullScreenSupportEnabled,
    QWebEngineSettings.WebAttribute.ScreenCaptureEnabled,
    QWebEngineSettings.WebAttribute.NavigateOnDropEnabled,
    QWebEngineSettings.WebAttribute.ErrorPageEnabled,
    QWebEngineSettings.WebAttribute.AutoLoadIconsForPage,
    QWebEngineSettings.WebAttribute.TouchIconsEnabled,
    QWebEngineSettings.WebAttribute.HyperlinkAuditingEnabled,
    QWebEngineSettings.WebAttribute.DnsPrefetchEnabled,
    QWebEngineSettings.WebAttribute.WebGLEnabled,
    QWebEngineSettings.WebAttribute.AllowRunningInsecureContent,
    QWebEngineSettings.WebAttribute.AllowWindowActivationFromJavaScript,
)


def make_profile(parent: QObject | None = None) -> QWebEngineProfile:
    """A fresh off-the-record profile for console pages: nothing stored, downloads refused."""
    profile = QWebEngineProfile(parent)  # no storage name: off the record
    assert profile.isOffTheRecord()
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.setPersistentPermissionsPolicy(QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime)
    profile.setSpellCheckEnabled(False)
    profile.setPushServiceEnabled(False)
    profile.downloadRequested.connect(_refuse_download)
    settings = profile.settings()
    for attribute in _OFF:
        settings.setAttribute(attribute, False)
    # Module imports between resources/console and resources/novnc are file:// → file:// requests.
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
    return profile


def _refuse_download(download: QWebEngineDownloadRequest) -> None:
    log.info("refused a download from the console page")
    download.cancel()


def console_url(relay_url: str | None, *, scale: bool = True, generation: int = 0) -> QUrl:
    """The console page URL ``file://…/console.html?ws=<relay url>&scale=1|0&gen=N`` (no ``ws``: pre-warmed page)."""
    url = QUrl.fromLocalFile(str(console_page()))
    query = QUrlQuery()
    if relay_url is not None:
        query.addQueryItem("ws", relay_url)
    query.addQueryItem("scale", "1" if scale else "0")
    query.addQueryItem("gen", str(generation))
    url.setQuery(query)
    return url


class ConsoleRequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request except the console's own files, ``qrc:`` and the relay's loopback WebSocket.

    ``relay_port`` is set when the page is given a relay URL; ``blocked`` lists (redacted) URLs refused so far.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.relay_port = 0
        self.blocked: list[str] = []
        self._dirs = tuple(d.resolve() for d in allowed_dirs())

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        """Block the request unless :meth:`allows` its URL."""
        url = info.requestUrl()
        if not self.allows(url):
            text = redact_relay(url.toString())
            self.blocked.append(text)
            log.info("blocked a request from the console page: %s", text)
            info.block(True)

    def allows(self, url: QUrl) -> bool:
        """Whether the console page may load ``url``."""
        scheme = url.scheme()
        if scheme == "qrc":
            return True
        if scheme in ("data", "blob"):  # generated in the page (noVNC's cursor image), never fetched remotely
            return True
        if scheme == "file":
            path = Path(url.toLocalFile()).resolve()
            return any(path.is_relative_to(directory) for directory in self._dirs)
        if scheme == "ws":
            return bool(self.relay_port) and url.host() == BIND_HOST and url.port() == self.relay_port
        return False


class ConsoleBridge(QObject):
    """The Python object the page reaches through QWebChannel (``channel.objects.bridge``).

    Every signal's first argument is the page's generation (the ``gen`` query item), so a tab can ignore late
    events from a page it has already replaced.

    Signals:
        page_ready(int, bool): the page script ran; True when it started connecting to a relay URL.
        connected(int, int, int): noVNC finished the RFB handshake; the framebuffer width and height.
        disconnected(int, bool): noVNC's ``disconnect`` event (``clean``).
        security_failure(int, str): noVNC's ``securityfailure`` reason.
        desktop_name(int, str): the name from ServerInit.
        typed(int, int): a typing chunk (by id) was sent completely.
        page_error(int, str): a script error or refused input in the page.
    """

    page_ready = Signal(int, bool)
    connected = Signal(int, int, int)
    disconnected = Signal(int, bool)
    security_failure = Signal(int, str)
    desktop_name = Signal(int, str)
    typed = Signal(int, int)
    page_error = Signal(int, str)

    # JS → Python slots (QWebChannel): each re-emits the matching signal.

    @Slot(int, bool)
    def jsReady(self, gen: int, connecting: bool) -> None:
        """See :attr:`page_ready`."""
        self.page_ready.emit(gen, connecting)

    @Slot(int, int, int)
    def jsConnected(self, gen: int, width: int, height: int) -> None:
        """See :attr:`connected`."""
        self.connected.emit(gen, width, height)

    @Slot(int, bool)
    def jsDisconnected(self, gen: int, clean: bool) -> None:
        """See :attr:`disconnected`."""
        self.disconnected.emit(gen, clean)

    @Slot(int, str)
    def jsSecurityFailure(self, gen: int, reason: str) -> None:
        """See :attr:`security_failure`."""
        self.security_failure.emit(gen, reason)

    @Slot(int, str)
    def jsDesktopName(self, gen: int, name: str) -> None:
        """See :attr:`desktop_name`."""
        self.desktop_name.emit(gen, name)

    @Slot(int, int)
    def jsTyped(self, gen: int, chunk_id: int) -> None:
        """See :attr:`typed`."""
        self.typed.emit(gen, chunk_id)

    @Slot(int, str)
    def jsError(self, gen: int, message: str) -> None:
        """See :attr:`page_error`."""
        self.page_error.emit(gen, redact_relay(message))


class ConsolePage(QWebEnginePage):
    """A console page: navigation locked to the URL given to :meth:`open_console_url`, no windows, no cert overrides."""

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.interceptor = ConsoleRequestInterceptor(self)
        self.setUrlRequestInterceptor(self.interceptor)
        self.bridge = ConsoleBridge(self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("bridge", self.bridge)
        self.setWebChannel(self._channel)
        self._allowed: QUrl | None = None
        self.refused_navigations: list[str] = []
        self.certificateError.connect(self._reject_certificate)
        self.permissionRequested.connect(self._deny_permission)

    def open_console_url(
        self, relay_url: str | None, relay_port: int = 0, *, scale: bool = True, generation: int = 0
    ) -> None:
        """Load the console page for ``relay_url`` (None: a blank pre-warmed page); allow exactly this navigation."""
        self.interceptor.relay_port = relay_port
        url = console_url(relay_url, scale=scale, generation=generation)
        self._allowed = url
        self.load(url)

    # ---- hygiene overrides ---------------------------------------------------------------------------------

    def acceptNavigationRequest(
        self, url: QUrl | str, navigation_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        """Allow only the main-frame load of the console URL this page was told to open."""
        target = QUrl(url) if isinstance(url, str) else url
        if is_main_frame and self._allowed is not None and target == self._allowed:
            return True
        text = redact_relay(target.toString())
        self.refused_navigations.append(text)
        log.info("refused a navigation of the console page to %s", text)
        return False

    def createWindow(self, window_type: QWebEnginePage.WebWindowType) -> QWebEnginePage:
        """Never open windows from the console page."""
        log.info("refused a new window requested by the console page")
        return None  # type: ignore[return-value]  # Qt accepts a null page: no window

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        """Send the page's console output to the app log (INFO; uncaught script errors at WARNING), redacted."""
        where = f"{QUrl(source).fileName() or 'page'}:{line}"
        text = redact_relay(message)
        uncaught = level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel and message.startswith(
            "Uncaught"
        )
        js_log.log(logging.WARNING if uncaught else logging.INFO, "%s %s", where, text)

    @staticmethod
    def _reject_certificate(error: QWebEngineCertificateError) -> None:
        log.info("rejected a certificate error in the console page (%s)", error.type().name)
        error.rejectCertificate()

    @staticmethod
    def _deny_permission(permission: QWebEnginePermission) -> None:
        log.info("denied a permission request from the console page (%s)", permission.permissionType().name)
        permission.deny()
