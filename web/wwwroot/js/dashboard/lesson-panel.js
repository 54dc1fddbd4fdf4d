// The lesson strip at the top of the dashboard: four steps, each run from a button (signed-in admins), each
// explained from what was measured while it ran. The results live on the server (GET /api/lesson), so every
// viewer, signed in or not, sees the same lesson and its results until an admin resets them.
import { $, fmtMs } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { adminJson } from './controls.js';
import { drawLectures, drawRows } from './lesson-results.js';
import { finalRun, summarize, summarizeFarm, threadWords } from './lesson-measure.js';

const OPEN_KEY = 'livedash.lesson.open';
const USERS = 100;
const CROWD_PATH = '/api/orders?user=7';
const CROWD_DB_MS = 25;
// ?lesson-seconds=N (1..60) shortens every crowd, for a quick demo or a test.
const override = Number(new URLSearchParams(location.search).get('lesson-seconds'));
const SECONDS = Number.isInteger(override) && override >= 1 && override <= 60 ? { step2: override, row: override, step4: override } : { step2: 20, row: 10, step4: 15 };
// Seconds after a settings change that no row's figures include. The server sums whole seconds, the newest completed
// one last, so a summary asked for right after the window could reach up to a second back: one more second is waited.
const SETTLE = 1;
const x = v => v >= 10 ? v.toFixed(0) : v.toFixed(1);

let root = null, shownRev = -1, busy = false, recording = null, farmFrames = null, writes = 0;

export function wireLessonPanel(dash) {
    root = $('lesson');
    if (!root) return;
    setOpen(localStorage.getItem(OPEN_KEY) !== 'closed');
    $('lesson-toggle').addEventListener('click', () => {
        const open = root.dataset.open !== 'true';
        localStorage.setItem(OPEN_KEY, open ? 'open' : 'closed');
        setOpen(open);
    });
    dash.addEventListener('livedash:tick', e => recording?.push(e.detail));
    $('farm')?.addEventListener('livedash:farm', e => farmFrames?.push(e.detail));
    root.querySelectorAll('.lesson-run').forEach(b => b.addEventListener('click', () => run(Number(b.dataset.step))));
    $('lesson-reset')?.addEventListener('click', async () => {
        try { writes++; show(await adminJson('DELETE', '/admin/api/lesson')); } catch (e) { say(e.message, true); }
    });
    poll();
}

function setOpen(open) {
    root.dataset.open = String(open);
    $('lesson-body').hidden = !open;
    $('lesson-toggle').setAttribute('aria-expanded', String(open));
    $('lesson-toggle').textContent = open ? 'Hide' : 'Show the lesson';
}

function say(text, bad) {
    const msg = $('lesson-msg');
    msg.textContent = text;
    msg.classList.toggle('bad', !!bad);
}

async function poll() {
    try {
        // A poll answered late (a starving server) must not draw over a row this page has posted since it asked.
        const asked = writes;
        const res = await fetch('/api/lesson', { headers: { Accept: 'application/json' } });
        if (res.ok && asked === writes) show(await res.json());
    } catch { /* the next poll tries again */ }
    setTimeout(poll, busy ? 1000 : 2500);
}

// ---- drawing what the server holds ----

function show(state) {
    if (state.rev === shownRev) return;
    shownRev = state.rev;
    root.dataset.rev = String(state.rev);
    for (const p of root.querySelectorAll('.lesson-explain')) p.textContent = state.explain?.[p.dataset.step] ?? '';
    drawLectures(state.lectures ?? []);
    drawRows(state.rows ?? []);
}

// ---- running the steps (admins) ----

async function run(step) {
    if (busy) return;
    busy = true;
    root.dataset.running = String(step);
    root.querySelectorAll('.lesson-run').forEach(b => b.disabled = true);
    say(`Step ${step} is running…`);
    try {
        await [null, stepOne, stepTwo, stepThree, stepFour][step]();
        say(`Step ${step} done.`);
    } catch (e) {
        say(`Step ${step} stopped: ${e.message}`, true);
    } finally {
        busy = false;
        delete root.dataset.running;
        root.querySelectorAll('.lesson-run').forEach(b => b.disabled = false);
        shownRev = -1;
    }
}

const post = row => { writes++; return adminJson('POST', '/admin/api/lesson/rows', row).then(show); };

async function stepOne() {
    say('Step 1: the server sends itself two long requests and a short one, 300 ms apart, on one worker: Sync, then Async…');
    const { runs } = await adminJson('POST', '/admin/api/lecture/run', {});
    const parts = [];
    for (const r of runs) {
        const short = r.requests.find(q => q.n === 3);
        const slower = short.tookMs / Math.max(1, short.aloneMs);
        const note = `completion order ${r.order.join(', ')}; #3 took ${fmtMs(short.tookMs)}, alone ${fmtMs(short.aloneMs)} (×${slower.toFixed(1)})`;
        parts.push(r.order.join(',') === '1,3,2' || slower < 1.5
            ? `${r.mode}: completion order ${r.order.join(', ')}. The short request came back in ${fmtMs(short.tookMs)}, ×${slower.toFixed(1)} its time alone: at every await the one worker was free for the next request, so nobody waited for the long ones.`
            : `${r.mode}: completion order ${r.order.join(', ')}. The short request #3 took ${fmtMs(short.tookMs)} against ${fmtMs(short.aloneMs)} alone, ×${slower.toFixed(1)} slower: `
              + `it waited ${fmtMs(short.queuedMs ?? 0)} in the queue while the one worker sat blocked on the database for the long requests.`);
        await post({ step: 1, label: `${r.mode}, ${r.workers === 1 ? '1 worker' : r.workers + ' workers'}, ${r.dbLatencyMs} ms a round trip`, note, explain: parts.join(' ') });
    }
}

/**
 * Runs one crowd of USERS on the load agents and, during it, applies each row's settings in turn: a second to settle,
 * then the row's window, summed up as the server measured it (at the socket) over exactly that window; a row marked
 * farm is summed from the farm's frames (every instance's merged histograms, second by second) over its window.
 */
async function crowd(rows, seconds, onRow) {
    const agents = await adminJson('GET', '/admin/api/load/agents');
    if (!agents.some(a => a.state === 'idle'))
        throw new Error('no idle load agent: ./livedash up starts one named local; or start one with ./livedash agent --server URL');
    await adminJson('PUT', '/admin/api/settings', rows[0].settings);
    // Longer than the rows need: calls to a starving server take a while; the crowd is stopped after the last row.
    const total = rows.length * (seconds + SETTLE + 1) + 30;
    const { id } = await adminJson('POST', '/admin/api/load/runs', { scenario: 'url', path: CROWD_PATH, users: USERS, durationSeconds: total });
    try {
        for (const [i, r] of rows.entries()) {
            if (i) await adminJson('PUT', '/admin/api/settings', r.settings);
            say(`Step running: ${r.label}, ${USERS} users, measuring ${seconds} s…`);
            await sleep(SETTLE * 1000);
            recording = [];
            const windowStart = Date.now();
            if (r.farm) farmFrames = [];
            await sleep((seconds + 1) * 1000);
            const ticks = recording, frames = farmFrames;
            recording = farmFrames = null;
            let server = r.farm ? null : await adminJson('GET', `/admin/api/telemetry/summary?seconds=${seconds}`);
            const run = await adminJson('GET', `/admin/api/load/runs/${id}`);
            let ended = null;
            if (run.state !== 'running') {
                const lost = (run.agents ?? []).filter(a => a.state === 'lost').map(a => a.name);
                ended = lost.length ? `the server starved so hard that it stopped hearing its load agent (${lost.join(', ')} lost), which ended the crowd`
                    : `the crowd ended early (${run.state}${run.stopReason ? ': ' + run.stopReason : ''})`;
                // The last row keeps what the server measured; an earlier row has no crowd left for the next.
                if (i < rows.length - 1 || r.farm) throw new Error(ended);
                // Answered late by a starving server, the summary's last seconds may hold none of the crowd's
                // requests: then from the row's start to now (the stuck requests came back as the pool recovered).
                const since = Math.min(60, Math.floor((Date.now() - windowStart) / 1000));
                if (!server?.requests && since > seconds) {
                    server = await adminJson('GET', `/admin/api/telemetry/summary?seconds=${since}`);
                    ended += `; measured over the ${since} s from the row's start, as the stuck requests came back`;
                }
                if (!server?.requests) throw new Error(ended);
            }
            await onRow(r, { ...(r.farm ? summarizeFarm(run, frames) : summarize(run, server, ticks)), ended }, i);
        }
    } finally {
        recording = farmFrames = null;
        await adminJson('DELETE', `/admin/api/load/runs/${id}`).catch(() => { });
    }
    return id;
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

const row = (step, label, m, note, explain) => post({ step, label, rps: m.rps, p50Ms: m.p50Ms, p99Ms: m.p99Ms, inAppMs: m.inAppMs, waitMs: m.waitMs, peakThreads: m.peakThreads, queued: m.queued, requests: m.requests, errors: m.requests == null ? undefined : m.errors, note, explain });

async function withSettingsRestored(body) {
    const before = await adminJson('GET', '/admin/api/settings');
    try { return await body(); }
    finally { await adminJson('PUT', '/admin/api/settings', { mode: before.mode, dbLatencyMs: before.dbLatencyMs, minThreads: before.minThreads, workers: before.workers }); }
}

const SYNC_POOL = { mode: 'Sync', workers: 0, minThreads: 0, dbLatencyMs: CROWD_DB_MS };

async function stepTwo() {
    await withSettingsRestored(async () => {
        say(`Step 2: ${USERS} users for ${SECONDS.step2} s in Sync on the .NET thread pool, ${CROWD_DB_MS} ms a database round trip…`);
        await crowd([{ label: `Sync, thread pool, ${USERS} users`, settings: SYNC_POOL }], SECONDS.step2, async (r, m) => {
            const share = m.p50Ms > 0 && m.inAppMs != null ? m.inAppMs / m.p50Ms : 0;
            const explain = `${USERS} users in Sync on the thread pool: end to end p50 ${fmtMs(m.p50Ms)} (p99 ${fmtMs(m.p99Ms)}) against ${fmtMs(m.inAppMs)} in our code. `
                + `Requests waited ${fmtMs(m.waitMs)} on average for a thread (p99 ${fmtMs(m.waitP99)}), measured at the socket before our code ran`
                + (m.sendMs >= 1 ? `, and ${fmtMs(m.sendMs)} more for one to send the response; ` : '; ')
                + `the pool grew to ${m.peakThreads} threads with up to ${m.queued} work items queued. `
                + (share && share < 0.6 ? `Our code was only ${(100 * share).toFixed(0)} % of each request's time: the rest was waiting for a thread, while the threads it had sat blocked on the database`
                    + (m.threads ? `: ${threadWords(m.threads)}.` : '.')
                    : 'The pool kept up this time: it had threads enough for this crowd.' + (m.threads ? ` ${threadWords(m.threads, true)}.` : ''));
            await row(2, r.label, m, `${m.errors} errors`, explain);
        });
    });
}

async function stepThree() {
    await withSettingsRestored(async () => {
        const instances = (await adminJson('GET', '/admin/api/instances')).filter(i => !i.gone);
        const farm = instances.length > 1;
        const here = farm ? ', this instance\'s share' : '';
        const rows = [
            { label: `Sync, thread pool as it ships${here}`, settings: SYNC_POOL },
            { label: `Sync, minThreads ${2 * USERS}${here}`, settings: { ...SYNC_POOL, minThreads: 2 * USERS } },
            { label: `Async, thread pool as it ships${here}`, settings: { ...SYNC_POOL, mode: 'Async', minThreads: 0 } },
        ];
        // More processes: the same crowd through the proxy, divided between the farm's instances, measured over the whole farm.
        if (farm) rows.push({ label: `Sync, thread pool as it ships, ${instances.length} processes (the farm)`, settings: SYNC_POOL, farm: true });
        const measured = [];
        say(`Step 3: one crowd of ${USERS} users; ${rows.length} settings in turn, ${SECONDS.row} s each…`);
        await crowd(rows, SECONDS.row, async (r, m) => {
            measured.push(m);
            const base = measured[0];
            const note = measured.length === 1 ? 'the starving baseline'
                : r.farm ? 'the whole farm: medians of each second\'s merged p50 and p99'
                : `p50 ×${x(base.p50Ms / Math.max(0.1, m.p50Ms))} lower than Sync as it ships`;
            const processes = farm
                ? (measured[3] ? `More processes: ${measured[3].instances} instances in Sync as they ship, the farm's p50 ${fmtMs(measured[3].p50Ms)} at ${measured[3].rps.toFixed(0)} req/s on at most ${measured[3].peakThreads} threads each: the crowd divided between ${measured[3].instances} thread pools. ` : '')
                : `More processes: GET /admin/api/instances lists ${instances.length} instance here, so there is no farm row: start ./livedash up --instances 2 for it. `;
            const explain = measured.length < rows.length ? undefined : `During one crowd: Sync as it ships, p50 ${fmtMs(base.p50Ms)} on ${base.peakThreads} threads. `
                + `More threads (minThreads ${2 * USERS}): p50 ${fmtMs(measured[1].p50Ms)} on ${measured[1].peakThreads} threads, a thread per waiting request, each with its stack, doing nothing but wait. `
                + `Async: p50 ${fmtMs(measured[2].p50Ms)} on ${measured[2].peakThreads} threads, ×${x(base.p50Ms / Math.max(0.1, measured[2].p50Ms))} lower than Sync: no thread is held while PostgreSQL waits. `
                + processes;
            await row(3, r.label, m, note, explain);
        });
    });
}

async function stepFour() {
    await withSettingsRestored(async () => {
        say(`Step 4: the same crowd in SyncOverAsync for ${SECONDS.step4} s…`);
        const label = `SyncOverAsync, thread pool, ${USERS} users`;
        let m = null;
        const id = await crowd([{ label, settings: { ...SYNC_POOL, mode: 'SyncOverAsync' } }], SECONDS.step4, async (r, measured) => { m = measured; });
        // The row counts what the agent sent over the whole step (the requests stuck in the starved server included).
        const run = await finalRun(id, path => adminJson('GET', path));
        m = { ...m, requests: run.requests, errors: run.errors };
        const explain = `SyncOverAsync: end to end p50 ${fmtMs(m.p50Ms)} (p99 ${fmtMs(m.p99Ms)}), ${fmtMs(m.waitMs)} waiting for a thread, ${m.peakThreads} threads, up to ${m.queued} work items queued. `
            + 'Each request blocks a thread on .GetAwaiter().GetResult() like Sync, and the awaited database call needs another pool thread to finish on: the worst of both.'
            + (m.threads ? ` Measured: ${threadWords(m.threads)}.` : '');
        const note = `the agent's count for the whole step: ${run.requests} requests, ${run.errors} errors`;
        await row(4, label, m, m.ended ? `${note}; ${m.ended}` : note, m.ended ? `${explain} This time ${m.ended}.` : explain);
    });
}
