// LiveDash dashboard: reads the tick stream from /hubs/telemetry and draws it with Chart.js.
// The page's #dash element carries what the server knows (hub URL, mode names, histogram edges, admin or
// not) and, for tests and tools, what is drawn (data-connected, data-ticks, data-markers, data-waterfall-bars).
import { $, readModes } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { connectHub } from '../../_content/LiveDash.AspNetCore/js/hub.js';
import { createTimeCharts } from '../../_content/LiveDash.AspNetCore/js/time-charts.js';
import { createWaterfall } from '../../_content/LiveDash.AspNetCore/js/waterfall.js';
import { createHistogram } from '../../_content/LiveDash.AspNetCore/js/histogram.js';
import { createClients } from '../../_content/LiveDash.AspNetCore/js/clients.js';
import { renderStrip, renderModes, showMode } from '../../_content/LiveDash.AspNetCore/js/figures.js';
import { wireToolbar, wireAdminControls } from './controls.js';
import { wireLoadPanel } from './load-panel.js';
import { wireFarmPanel } from './farm-panel.js';
import { wireServerModel } from './server-model.js';
import { wireLecturePanel } from './lecture-panel.js';
import { wireLag } from './lag.js';
import { wireLessonPanel } from './lesson-panel.js';

const root = $('dash');

function setConnection(text, cls) {
    $('conn-text').textContent = text;
    $('conn-dot').className = 'dot ' + cls;
    root.dataset.connected = String(cls === 'up');
}

function start() {
    if (typeof globalThis.Chart === 'undefined' || typeof globalThis.signalR === 'undefined') {
        const missing = $('libs-missing');
        if (missing) missing.hidden = false;
        setConnection('libraries missing', 'down');
        return;
    }
    if (root.dataset.telemetry === 'off') {
        setConnection('telemetry off', 'down');
        return;
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
    const lag = wireLag(root, $('lag'));
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
            renderModes(lastTick, modes);
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
        lag(frame);
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
        onStatus: setConnection,
        onSettingsChanged: c => {
            if (c.f === 'mode') showMode(c.v);
            if (c.f === 'dbLatencyMs') $('s-lat').textContent = c.v + ' ms';
        },
    });
    $('waterfall-all')?.addEventListener('change', e => { waterfall.showAll(e.target.checked); view.render(); });
    wireToolbar(view);
    wireServerModel(root, view);
    wireLecturePanel(root);
    wireLessonPanel(root);
    wireFarmPanel(view, modes);
    if (root.dataset.admin === 'true') {
        wireAdminControls();
        wireLoadPanel();
    }
}

start();
