// The lecture panel: the last `./livedash load lecture` run's requests, one row each, split as the lecture
// draws them (queued, running our code, waiting on the database), with each response time beside the
// request's time alone and the completion order.
import { $, el, fmtTime } from '../../_content/LiveDash.AspNetCore/js/format.js';

const fmtMs = v => v >= 10_000 ? (v / 1000).toFixed(1) + ' s' : v >= 10 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';
const model = w => !w ? 'the thread pool' : w === 1 ? 'one worker' : `${w} workers`;
const ordinal = n => n + (n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th');
let rowsEl = null, summary = null, shownId = 0;

export function wireLecturePanel(root) {
    rowsEl = $('lecture-rows');
    summary = $('lecture-summary');
    if (!rowsEl) return;
    root.addEventListener('livedash:tick', e => {
        const lecture = e.detail.lc;
        if (!lecture || lecture.id === shownId) return;
        shownId = lecture.id;
        $('lecture-empty')?.remove();
        drawLecture(rowsEl, summary, lecture);
    });
}

function bar(track, className, startMs, lengthMs, scale, title) {
    if (!(lengthMs > 0)) return;
    const node = el('div', className);
    node.style.left = (100 * startMs / scale).toFixed(3) + '%';
    node.style.width = Math.max(0.2, 100 * lengthMs / scale).toFixed(3) + '%';
    node.title = `${title}: ${fmtMs(lengthMs)}`;
    track.appendChild(node);
}

/** Draws one lecture run's requests into a container (the lecture panel, or the lesson's side-by-side pictures). */
export function drawLecture(rowsEl, summary, lecture, scaleMs) {
    const requests = [...lecture.requests].sort((a, b) => a.n - b.n);
    const byDone = [...requests].sort((a, b) => a.doneMs - b.doneMs);
    const place = new Map(byDone.map((r, i) => [r.n, i + 1]));
    const end = Math.max(...requests.map(r => Math.max(r.doneMs, r.sentMs + r.aloneMs)));
    const scale = scaleMs ?? (end * 1.04 || 1);
    const when = fmtTime(lecture.t);
    summary.textContent = `${lecture.mode} on ${model(lecture.workers)}, ${lecture.dbLatencyMs} ms per database round trip (run at ${when}): `
        + `completion order ${byDone.map(r => r.n).join(', ')}`;

    rowsEl.replaceChildren();
    for (const r of requests) {
        const took = r.doneMs - r.sentMs;
        const row = el('div', 'lecture-row');
        row.dataset.n = String(r.n);
        row.dataset.place = String(place.get(r.n));
        const label = el('div', 'lecture-label');
        label.append(el('strong', '', `#${r.n} `), el('code', '', r.path));
        const track = el('div', 'lecture-track');
        // The request's time alone, as an outline from its send: where it would have ended on an idle server.
        bar(track, 'lecture-alone', r.sentMs, r.aloneMs, scale, 'time alone');
        if (r.queuedMs != null && r.appMs != null && r.dbMs != null) {
            let at = r.sentMs;
            bar(track, 'seg seg-queued', at, r.queuedMs, scale, 'queued (waiting for a worker or thread)'); at += r.queuedMs;
            bar(track, 'seg seg-app', at, r.appMs, scale, 'running our code'); at += r.appMs;
            bar(track, 'seg seg-db', at, r.dbMs, scale, 'waiting on the database'); at += r.dbMs;
            bar(track, 'seg seg-outside', at, r.doneMs - at, scale, 'outside the app (network, waiting before the server)');
        } else {
            bar(track, 'seg seg-outside', r.sentMs, took, scale, 'response time (no server split: telemetry off)');
        }
        const slower = r.aloneMs > 0 ? took / r.aloneMs : 0;
        const figures = el('div', 'lecture-figures');
        figures.append(el('span', 'took', fmtMs(took)), el('span', 'muted', ` alone ${fmtMs(r.aloneMs)} `));
        figures.append(el('strong', slower >= 1.5 ? 'slower bad' : 'slower', slower >= 1.05 ? `×${slower.toFixed(1)} slower than alone` : 'as fast as alone'));
        figures.append(el('span', 'place', ` · finished ${ordinal(place.get(r.n))}`));
        if (r.status < 200 || r.status >= 400) figures.append(el('span', 'bad', ` · HTTP ${r.status || 'no answer'}`));
        row.append(label, track, figures);
        rowsEl.appendChild(row);
    }
    const axis = el('div', 'lecture-row lecture-axis');
    axis.append(el('div', 'lecture-label'));
    const ticks = el('div', 'lecture-track');
    const step = [100, 200, 250, 500, 1000, 2000, 5000, 10000].find(s => scale / s <= 8) ?? 20000;
    for (let t = 0; t <= scale; t += step) {
        const tickEl = el('span', 'lecture-tick', t ? fmtMs(t) : '0');
        tickEl.style.left = (100 * t / scale).toFixed(3) + '%';
        ticks.appendChild(tickEl);
    }
    axis.append(ticks, el('div', 'lecture-figures muted', 'ms since the first request was sent'));
    rowsEl.appendChild(axis);
    const legend = el('div', 'lecture-legend muted');
    for (const [cls, text] of [['seg-queued', 'queued'], ['seg-app', 'running our code'], ['seg-db', 'waiting on the database'], ['seg-outside', 'outside the app'], ['lecture-alone', 'time alone']]) {
        const key = el('span', 'key');
        key.append(el('i', cls), document.createTextNode(' ' + text));
        legend.appendChild(key);
    }
    rowsEl.appendChild(legend);
    rowsEl.dataset.rows = String(requests.length);
    rowsEl.dataset.order = byDone.map(r => r.n).join(',');
}
