// vmconsole-gui console page: creates the noVNC RFB client for the relay URL in ?ws= and reports to Python through
// the QWebChannel object "bridge". Python drives it through window.vmconsole (page.runJavaScript).
// The page never sees a console ticket: the relay URL holds only a one-time loopback token.
import RFB from '../novnc/core/rfb.js';
import { initLogging } from '../novnc/core/util/logging.js';

const params = new URLSearchParams(window.location.search);
const relayUrl = params.get('ws');
const screen = document.getElementById('screen');

let bridge = null;
let rfb = null;
let connected = false;
let typing = { queue: [], timer: null, interval: 0, id: 0 };

const generation = Number(params.get('gen') || 0);  // which connection attempt of the tab this page serves

function report(method, ...args) {
    if (bridge !== null) {
        bridge[method](generation, ...args);
    }
}

function canvasSize() {
    const canvas = screen.querySelector('canvas');
    return canvas ? [canvas.width, canvas.height] : [0, 0];
}

function start() {
    if (relayUrl === null) {
        report('jsReady', false);  // pre-warmed page: modules compiled, nothing to connect to yet
        return;
    }
    if (!/^ws:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/.test(relayUrl)) {
        report('jsError', 'the console page was given an invalid relay address');
        return;
    }
    initLogging('warn');
    rfb = new RFB(screen, relayUrl, { wsProtocols: ['binary'], shared: true });
    rfb.scaleViewport = params.get('scale') !== '0';
    rfb.clipViewport = false;
    rfb.resizeSession = false;
    rfb.focusOnClick = true;
    rfb.background = '#1e1e1e';
    rfb.addEventListener('connect', () => {
        connected = true;
        const [w, h] = canvasSize();
        report('jsConnected', w, h);
        rfb.focus({ preventScroll: true });
    });
    rfb.addEventListener('disconnect', (e) => {
        connected = false;
        stopTyping();
        report('jsDisconnected', !!e.detail.clean);
    });
    rfb.addEventListener('securityfailure', (e) => {
        report('jsSecurityFailure', String(e.detail.reason || `security failure (status ${e.detail.status})`));
    });
    rfb.addEventListener('desktopname', (e) => report('jsDesktopName', String(e.detail.name)));
    report('jsReady', true);
}

function stopTyping() {
    if (typing.timer !== null) {
        clearTimeout(typing.timer);
        typing.timer = null;
    }
    typing.queue = [];
}

function typeNext() {
    typing.timer = null;
    if (!connected) {
        return;
    }
    do {
        const sym = typing.queue.shift();
        rfb.sendKey(sym, null, true);
        rfb.sendKey(sym, null, false);
    } while (typing.interval === 0 && typing.queue.length > 0);
    if (typing.queue.length > 0) {
        typing.timer = setTimeout(typeNext, typing.interval);
    } else {
        report('jsTyped', typing.id);
    }
}

// Commands for Python (page.runJavaScript). Each returns a plain value.
window.vmconsole = {
    isConnected: () => connected,
    ctrlAltDel() {
        if (!connected) { return false; }
        rfb.sendCtrlAltDel();
        return true;
    },
    // events: [[keysym, code, down], ...] sent in order (a key combination)
    sendKeys(events) {
        if (!connected) { return false; }
        for (const [sym, code, down] of events) {
            rfb.sendKey(sym, code || null, down);
        }
        return true;
    },
    // Type keysyms one press+release each, `interval` ms apart; reports bridge.typed(id) when the chunk is done.
    typeKeysyms(id, keysyms, interval) {
        if (!connected) { return false; }
        stopTyping();
        typing = { queue: keysyms.slice(), timer: null, interval: Math.max(0, interval | 0), id: id };
        if (typing.queue.length === 0) {
            report('jsTyped', id);
        } else {
            typeNext();
        }
        return true;
    },
    cancelTyping() { stopTyping(); return true; },
    setScale(on) {
        if (rfb !== null) { rfb.scaleViewport = !!on; }
        return true;
    },
    framebufferSize: () => canvasSize(),
    screenshot() {
        if (!connected) { return ''; }
        return rfb.toDataURL('image/png');
    },
    focus() {
        if (rfb !== null) { rfb.focus({ preventScroll: true }); }
        return true;
    },
    disconnect() {
        stopTyping();
        if (rfb !== null && connected) { rfb.disconnect(); }
        return true;
    },
};

window.addEventListener('error', (e) => report('jsError', `${e.message} (${e.filename}:${e.lineno})`));

new QWebChannel(qt.webChannelTransport, (channel) => {
    bridge = channel.objects.bridge;
    start();
});
