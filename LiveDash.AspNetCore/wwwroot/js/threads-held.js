// The "Threads held" panel: per endpoint (route pattern), over the last two seconds of ticks, how many threads it
// holds (Little's law: requests/s × mean time on a thread) and how that time splits: on a CPU, waiting for one,
// blocked (and in what). The sum sits beside the pool's threads. Reads the ticks' `eps` through 'livedash:tick'.
import { $, el, cell, fmtMs } from './format.js';

const WINDOW_TICKS = 8;      // two seconds at 4 Hz
export const THREAD_COLORS = { cpu: '#2563eb', runQueue: '#93c5fd', blocked: '#dc2626', awaiting: '#cbd5e1' };

/**
 * Per route over the given ticks: { route, n, rps, onThread, onCpu, runQueue, blocked, awaiting (means, ms),
 * held (threads), by: { kind: ms } }, sorted by threads held; and the seconds they cover.
 */
export function heldByEndpoint(ticks) {
    const routes = new Map();
    let ms = 0;
    for (const t of ticks) {
        ms += t.dt ?? 250;
        for (const e of t.eps ?? []) {
            const r = routes.get(e.r) ?? { route: e.r, n: 0, ot: 0, cpu: 0, rq: 0, bl: 0, aw: 0, by: {} };
            r.n += e.n; r.ot += e.ot; r.cpu += e.cpu; r.rq += e.rq; r.bl += e.bl; r.aw += e.aw;
            for (const [kind, v] of Object.entries(e.by ?? {})) r.by[kind] = (r.by[kind] ?? 0) + v;
            routes.set(e.r, r);
        }
    }
    const seconds = Math.max(ms, 1) / 1000;
    const rows = [...routes.values()].map(r => ({
        route: r.route, n: r.n, rps: r.n / seconds,
        onThread: r.ot / r.n, onCpu: r.cpu / r.n, runQueue: r.rq / r.n, blocked: r.bl / r.n, awaiting: r.aw / r.n,
        held: r.ot / 1000 / seconds, blockedShare: r.ot > 0 ? r.bl / r.ot : 0, by: r.by, blockedMs: r.bl,
    }));
    rows.sort((a, b) => b.held - a.held || b.rps - a.rps);
    return { rows, seconds };
}

/** The kind of block that took most of a row's blocked time, and its share of it. */
export function mostlyBlockedIn(row) {
    let best = null;
    for (const [kind, v] of Object.entries(row.by)) if (!best || v > best.ms) best = { kind, ms: v };
    return best && row.blockedMs > 0 ? { kind: best.kind, share: best.ms / row.blockedMs } : null;
}

/**
 * The endpoint to blame when the pool starves: it holds at least half the pool's threads, mostly blocked.
 * "/blocking holds 48 of 52 threads, 97% of that blocked in sleep"; null when no endpoint does.
 */
export function starvationCause(ticks, poolThreads) {
    const top = heldByEndpoint(ticks).rows[0];
    if (!top || !poolThreads || top.held < poolThreads / 2 || top.blockedShare < 0.5) return null;
    const blockedIn = mostlyBlockedIn(top);
    return `${top.route} holds ${Math.round(top.held)} of ${poolThreads} threads, ${Math.round(top.blockedShare * 100)}% of that blocked`
        + (blockedIn ? ` in ${blockedIn.kind}` : '') + '.';
}

function bar(row, scale) {
    const box = el('div', 'held-bar');
    box.title = `on CPU ${fmtMs(row.onCpu)}, waiting for a CPU ${fmtMs(row.runQueue)}, blocked ${fmtMs(row.blocked)} (means per request)`;
    const width = scale > 0 ? Math.min(100, row.held / scale * 100) : 0;
    const parts = [['cpu', row.onCpu], ['runQueue', row.runQueue], ['blocked', row.blocked]];
    for (const [part, ms] of parts) {
        const span = el('span', 'held-' + part);
        span.style.width = (row.onThread > 0 ? width * ms / row.onThread : 0).toFixed(2) + '%';
        span.style.background = THREAD_COLORS[part];
        box.append(span);
    }
    return box;
}

function blockedText(row) {
    const b = mostlyBlockedIn(row);
    if (!b || row.blockedShare < 0.01) return '–';
    return `${Math.round(row.blockedShare * 100)}%: ${b.kind}` + (b.share < 0.95 ? ` (${Math.round(b.share * 100)}% of it)` : '');
}

export function wireThreadsHeld(root, view) {
    const panel = $('threads-held');
    if (!panel) return;
    const body = panel.querySelector('tbody');
    const total = $('threads-held-total');
    const recent = [];
    let measured = false;
    root.addEventListener('livedash:tick', e => {
        const tick = e.detail;
        recent.push(tick);
        if (recent.length > WINDOW_TICKS) recent.shift();
        if (tick.eps) measured = true;
        if (!view.paused) render(tick);
    });

    function render(tick) {
        const { rows } = heldByEndpoint(recent);
        const sum = rows.reduce((s, r) => s + r.held, 0);
        const scale = Math.max(tick.th, sum, 1);
        panel.dataset.rows = String(rows.length);
        body.replaceChildren();
        if (!rows.length) {
            const td = cell(measured ? 'No request completed in the last two seconds.' : 'Not measured here (Linux only, MeasureThreadTime on).', 'muted');
            td.colSpan = 7;
            const tr = el('tr');
            tr.append(td);
            body.append(tr);
        }
        for (const row of rows) {
            const tr = el('tr');
            tr.dataset.route = row.route;
            tr.dataset.threadsHeld = row.held.toFixed(2);
            const barCell = el('td', 'held-cell');
            barCell.append(bar(row, scale));
            tr.append(cell(row.route, 'route'), cell(row.rps.toFixed(1), 'num'), cell(fmtMs(row.onThread), 'num'),
                cell(fmtMs(row.awaiting), 'num'), cell(row.held.toFixed(1), 'num'), barCell, cell(blockedText(row)));
            body.append(tr);
        }
        panel.dataset.threadsHeld = sum.toFixed(2);
        total.textContent = `${sum.toFixed(1)} threads held by requests, of the pool's ${tick.th} threads`;
    }
}
