// The lesson's results as the server holds them: the lecture pictures of step 1, side by side on one time axis,
// and the results table, a row per measured setting.
import { $, el, cell, fmtMs } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { drawLecture } from './lecture-panel.js';

export function drawLectures(runs) {
    const box = $('lesson-lectures');
    box.replaceChildren();
    box.hidden = runs.length === 0;
    // One time axis for both pictures, so the eye compares them.
    const scale = 1.04 * Math.max(1, ...runs.flatMap(r => r.requests.map(q => Math.max(q.doneMs, q.sentMs + q.aloneMs))));
    for (const r of runs) {
        const short = r.requests.find(q => q.n === 3) ?? r.requests[r.requests.length - 1];
        const slower = short.aloneMs > 0 ? short.tookMs / short.aloneMs : 0;
        const col = el('div', 'lesson-lecture');
        col.dataset.mode = r.mode;
        col.dataset.order = r.order.join(',');
        col.dataset.slower = slower.toFixed(2);
        const head = el('h3');
        head.append(el('span', `mode mode-${r.mode}`, r.mode), document.createTextNode(` on ${r.workers === 1 ? 'one worker' : r.workers ? r.workers + ' workers' : 'the thread pool'}, ${r.dbLatencyMs} ms a round trip`));
        const order = el('p', 'lesson-order');
        order.append(el('strong', '', `completion order ${r.order.join(', ')}`),
            document.createTextNode(` · the short request #${short.n} took ${fmtMs(short.tookMs)}, alone ${fmtMs(short.aloneMs)}: `),
            el('strong', slower >= 1.5 ? 'bad' : '', slower >= 1.05 ? `×${slower.toFixed(1)} slower than alone` : `×${slower.toFixed(2)}, as fast as alone`));
        const rows = el('div', 'lecture lesson-picture');
        drawLecture(rows, el('span'), r, scale);
        col.append(head, order, rows);
        box.appendChild(col);
    }
}

export function drawRows(rows) {
    const body = $('lesson-results').tBodies[0];
    body.replaceChildren();
    $('lesson-results').hidden = rows.length === 0;
    for (const r of rows) {
        const tr = body.insertRow();
        tr.dataset.step = String(r.step);
        tr.dataset.label = r.label;
        if (r.p50Ms != null) tr.dataset.p50 = String(r.p50Ms);
        if (r.waitMs != null) tr.dataset.wait = String(r.waitMs);
        if (r.inAppMs != null) tr.dataset.inapp = String(r.inAppMs);
        if (r.requests != null) tr.dataset.requests = String(r.requests);
        if (r.errors != null) tr.dataset.errors = String(r.errors);
        const ms = v => v == null ? '–' : fmtMs(v);
        tr.append(cell(String(r.step)), cell(r.label), cell(r.rps == null ? '–' : r.rps.toFixed(0), 'num'), cell(ms(r.p50Ms), 'num'), cell(ms(r.p99Ms), 'num'),
            cell(ms(r.inAppMs), 'num'), cell(ms(r.waitMs), 'num'), cell(r.peakThreads == null ? '–' : String(r.peakThreads), 'num'),
            cell(r.queued == null ? '–' : String(r.queued), 'num'), cell(r.note ?? '', 'muted'));
    }
}
