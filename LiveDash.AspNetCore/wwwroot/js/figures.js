// The header strip and the per-mode table: the live numbers a glance needs.
import { $, fmtMs, serverModel } from './format.js';

/** Sets an element's text when the page has it (a host page may leave out the host-specific figures). */
const setText = (id, text) => { const e = $(id); if (e) e.textContent = text; };

export function renderStrip(tick, modes, [okRate, errRate]) {
    const mode = modes.names[tick.m] ?? '?';
    showMode(mode);
    if (tick.lat !== undefined) setText('s-lat', tick.lat + ' ms');
    const total = okRate + errRate;
    $('s-rps').textContent = total.toFixed(0);
    const any = tick.ok + tick.er > 0;
    $('s-p').textContent = any ? `${fmtMs(tick.p[0])} / ${fmtMs(tick.p[3])}${tick.ms < 0.99 ? ' (est.)' : ''}` : '–';
    $('s-p').title = any ? `end to end: bytes received → response sent; ${(100 * (tick.ms ?? 0)).toFixed(0)} % of arrivals measured at the socket` : '';
    $('s-inapp').textContent = any && tick.pa ? `${fmtMs(tick.pa[0])} / ${fmtMs(tick.pa[3])}` : '–';
    // Before the app; the wait to send the response (its own trace span) shows beside it when it is worth a glance.
    const send = any && tick.ws && tick.ws[0] >= 1 ? tick.ws[0] : 0;
    $('s-wait').textContent = any && tick.wt ? fmtMs(tick.wt[0]) : '–';
    setText('s-wait-send', send ? `+${fmtMs(send)} to send` : '');
    $('s-wait').title = any && tick.wt ? `mean wait for a thread: ${fmtMs(tick.wt[0])} before the app (bytes received → first middleware)`
        + `, ${fmtMs(tick.ws?.[0] ?? 0)} to send the response (handed over → sent); p99 ${fmtMs(tick.wt[1])} before the app` : '';
    $('s-wait').classList.toggle('bad', any && tick.wt && tick.wt[0] > Math.max(5, 0.2 * tick.pa[0]));
    $('s-threads').textContent = tick.th;
    $('s-queue').textContent = tick.q;
    $('s-inflight').textContent = tick.if;
    $('s-errors').textContent = total ? (100 * errRate / total).toFixed(errRate ? 1 : 0) + ' %' : '–';
    $('s-errors').classList.toggle('bad', errRate > 0);
    setText('s-db', tick.db ? `${tick.db[0]} / ${tick.db[1]}${tick.db[2] ? ` (${tick.db[2]} waiting)` : ''}` : 'n/a');
    $('s-cpu').textContent = tick.cpu.toFixed(0) + ' %';
}

/** The mode in the strip, the layout's pill (rendered at page load) and the quick-control buttons. */
let shownMode = null;

export function showMode(mode) {
    if (mode === shownMode) return;
    shownMode = mode;
    for (const el of [$('s-mode'), document.querySelector('.status-pill .mode')]) {
        if (!el) continue;
        el.textContent = mode;
        el.className = 'mode mode-' + mode;
    }
    document.querySelectorAll('.set-mode').forEach(b => b.classList.toggle('active', b.dataset.mode === mode));
}

export function renderModes(tick, modes) {
    const table = $('modes');
    if (!table || !tick.pm.length) return;
    const body = table.tBodies[0];
    body.innerHTML = '';
    for (const m of tick.pm) {
        const tr = body.insertRow();
        const name = modes.names[m.m] ?? '?';
        const pill = document.createElement('span');
        pill.className = 'mode mode-' + name;
        pill.textContent = name;
        tr.insertCell().append(pill);
        tr.insertCell().textContent = serverModel(m.wk);
        const cells = [[m.n.toLocaleString()], [m.rps.toFixed(1)], [m.n ? fmtMs(m.p50) : '–'], [m.n ? fmtMs(m.p95) : '–'], [m.n ? fmtMs(m.p99) : '–'],
            [m.n ? fmtMs(m.a50) : '–', 'muted'], [String(m.pk)]];
        for (const [text, extra] of cells) {
            const td = tr.insertCell();
            td.textContent = text;
            td.className = extra ? 'num ' + extra : 'num';
        }
    }
}
