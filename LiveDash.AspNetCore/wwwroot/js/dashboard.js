// LiveDash's generic dashboard: reads the tick stream from the hub named by #dash's data-hub and draws it.
// Every tick is also raised as a 'livedash:tick' event on #dash (detail: the tick), so a host page's own
// modules can add panels without reaching into these. A host page calls startDashboard with its hooks; the
// library's own page does so through livedash.js.
import { $, readModes } from './format.js';
import { connectHub } from './hub.js';
import { createTimeCharts } from './time-charts.js';
import { createWaterfall } from './waterfall.js';
import { createHistogram } from './histogram.js';
import { createClients } from './clients.js';
import { renderStrip } from './figures.js';
import { wireStarvationBanner } from './starvation.js';
import { wireThreadsHeld } from './threads-held.js';

function setConnection(root, text, cls) {
    $('conn-text').textContent = text;
    $('conn-dot').className = 'dot ' + cls;
    root.dataset.connected = String(cls === 'up');
}

/** The time window, pause and log-axis controls of the toolbar. */
export function wireToolbar(view) {
    document.querySelectorAll('.win').forEach(button => button.addEventListener('click', () => {
        document.querySelectorAll('.win').forEach(b => b.classList.toggle('active', b === button));
        view.windowMin = Number(button.dataset.min);
        view.render();
    }));
    $('pause').addEventListener('click', () => {
        view.paused = !view.paused;
        $('pause').textContent = view.paused ? 'Resume' : 'Pause';
        $('pause').classList.toggle('active', view.paused);
        if (!view.paused) view.render();
    });
    $('logscale').addEventListener('change', e => view.setLogScale(e.target.checked));
}

/**
 * Starts the dashboard on root (#dash). host (all optional):
 *   onFrame(frame)        every frame as it arrives, before the tick is drawn (e.g. how far behind the view is);
 *   render(tick, modes)   after the generic panels are drawn;
 *   onSettingsChanged(c)  a settings-change marker ({ f: field, v: value });
 *   starvationReason      the host's own reason to wait (see wireStarvationBanner); the thread-pool rule otherwise;
 *   wire(view, parts)     once, to wire the host's panels: parts = { modes, waterfall }.
 * Returns the view ({ render(), paused, windowMin }) or null when the page cannot draw.
 */
export function startDashboard(root, host = {}) {
    if (typeof globalThis.Chart === 'undefined' || typeof globalThis.signalR === 'undefined') {
        const missing = $('libs-missing');
        if (missing) missing.hidden = false;
        setConnection(root, 'libraries missing', 'down');
        return null;
    }
    if (root.dataset.telemetry === 'off') {
        setConnection(root, 'telemetry off', 'down');
        return null;
    }
    const Chart = globalThis.Chart;
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';
    Chart.defaults.font.size = 11;
    Chart.defaults.color = '#475569';

    const modes = readModes(root);
    const charts = createTimeCharts(root);
    const waterfall = createWaterfall(root, modes);
    const histogram = createHistogram(root);
    const clients = createClients(charts.latency);
    let ticks = 0, dropped = 0, requestsSeen = 0, lastTick = null, renderPending = false;

    const view = {
        windowMin: 5, paused: false,
        render() {
            if (!lastTick) return;
            root.dataset.ticks = String(ticks);
            $('empty').hidden = requestsSeen > 0;
            renderStrip(lastTick, modes, charts.recentRates(4));
            charts.render(lastTick.t, view.windowMin);
            waterfall.render();
            histogram.render();
            host.render?.(lastTick, modes);
            clients.render(lastTick);
        },
        setLogScale: on => charts.setLogScale(on),
    };

    function scheduleRender() {
        if (renderPending || view.paused) return;
        renderPending = true;
        requestAnimationFrame(() => { renderPending = false; view.render(); });
    }

    function onTick(frame) {
        host.onFrame?.(frame);
        const tick = frame.k;
        if (lastTick && tick.t <= lastTick.t) return;          // the backlog again after a reconnect
        ticks++;
        lastTick = tick;
        if (frame.d !== dropped) {
            dropped = frame.d;
            const el = $('dropped');
            el.hidden = frame.d === 0;
            el.textContent = `${frame.d} ticks skipped (this browser fell behind)`;
        }
        requestsSeen += tick.ok + tick.er;
        charts.addTick(tick);
        clients.addTick(tick);
        histogram.addTick(tick);
        waterfall.addTick(tick);
        root.dispatchEvent(new CustomEvent('livedash:tick', { detail: tick }));
        scheduleRender();
    }

    connectHub(root.dataset.hub, {
        onItem: onTick,
        onStatus: (text, cls) => setConnection(root, text, cls),
        onSettingsChanged: c => host.onSettingsChanged?.(c),
    });
    $('waterfall-all')?.addEventListener('change', e => { waterfall.showAll(e.target.checked); view.render(); });
    wireToolbar(view);
    wireStarvationBanner(root, view, host.starvationReason);
    wireThreadsHeld(root, view);
    host.wire?.(view, { modes, waterfall });
    return view;
}
