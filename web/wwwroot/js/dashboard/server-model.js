// The server model in the header strip, and the starvation banner with Little's law in live numbers.
import { $, fmtMs, serverModel as model } from '../../_content/LiveDash.AspNetCore/js/format.js';

const SECOND = 4;            // ticks per second
const recent = [];           // the last second's ticks
let waitingTicks = 0;        // consecutive ticks with requests waiting
let calmTicks = 0;           // consecutive ticks without, to hide the banner without flicker
let shown = false;

export function wireServerModel(root, view) {
    root.addEventListener('livedash:tick', e => {
        const tick = e.detail;
        recent.push(tick);
        if (recent.length > SECOND) recent.shift();
        if (view.paused) return;
        renderStrip(tick);
        renderBanner(root, tick);
    });
}

function renderStrip(tick) {
    $('s-model').textContent = model(tick.wk);
    const wq = $('s-wq');
    wq.textContent = tick.wk ? (tick.wq ? `${tick.wq} (oldest ${fmtMs(tick.wo)})` : '0') : 'n/a';
    wq.classList.toggle('bad', tick.wq > 0);
}

// Requests wait for a worker (the queue we own), or for a thread-pool thread: measured at the socket, the
// mean wait over the last second reaches 20 ms or the in-app time (those requests were not yet in flight,
// so in-flight against threads cannot see them); with no measured request in that second, work items pile up.
const WAIT_MS = 20;

export function measuredWait() {
    let n = 0, wait = 0, inApp = 0, p99 = 0;
    for (const t of recent) {
        const done = t.ok + t.er;
        if (!done || !t.wt?.length) continue;
        n += done;
        wait += done * t.wt[0];
        inApp += done * (t.pa?.[0] ?? 0);
        p99 = Math.max(p99, t.wt[1] ?? 0);
    }
    return n ? { mean: wait / n, p99, inApp: inApp / n } : null;
}

function waiting(tick) {
    if (tick.wk) return tick.wq > 0;
    const w = measuredWait();
    return w ? w.mean >= WAIT_MS || (w.mean >= 5 && w.mean >= w.inApp) : tick.q >= 2 && tick.if > tick.th;
}

function renderBanner(root, tick) {
    if (waiting(tick)) { waitingTicks++; calmTicks = 0; } else { calmTicks++; waitingTicks = 0; }
    if (!shown && waitingTicks >= 2) shown = true;
    if (shown && calmTicks >= 2 * SECOND) shown = false;
    const banner = $('starvation');
    banner.hidden = !shown;
    root.dataset.starving = shown ? 'true' : 'false';
    if (!shown) return;

    if (tick.wk) {
        $('starvation-title').textContent = `${tick.wq} store request${tick.wq === 1 ? '' : 's'} waiting for a worker; the oldest has waited ${fmtMs(tick.wo)}.`;
        $('starvation-what').textContent = `The server does nothing about it: ${model(tick.wk)} is all it has (workers = ${tick.wk}). `
            + 'A blocking handler holds its worker for the whole database wait; async handlers hand it back at every await.';
    } else {
        const w = measuredWait();
        $('starvation-title').textContent = w
            ? `Requests wait ${fmtMs(w.mean)} on average for a thread-pool thread (p99 ${fmtMs(w.p99)}, measured at the socket, last second) `
              + `against ${fmtMs(w.inApp)} in our code; ${tick.q} work items queued.`
            : `${tick.q} work items waiting for a thread-pool thread; no request finished in the last second.`;
        $('starvation-what').textContent = `The .NET thread pool adds threads slowly, about 1–2 a second once past its minimum (now ${tick.th} threads, minimum ${tick.mn}). `
            + 'Blocked threads do nothing while they wait on the database; raising min threads or going async ends the wait.';
    }
    $('starvation-little').textContent = littlesLaw();
}

// Little's law over the last second: requests in flight = arrival rate × mean time in the system.
function littlesLaw() {
    let n = 0, ms = 0, weighted = 0;
    for (const t of recent) {
        const done = t.ok + t.er;
        n += done;
        ms += t.dt;
        weighted += done * (t.avg ?? 0);
    }
    if (!n || !ms) return 'Little\'s law: in flight = req/s × latency (no request completed in the last second).';
    const rate = n / (ms / 1000), mean = weighted / n, inFlight = recent[recent.length - 1].if;
    return `Little's law: in flight = req/s × latency = ${rate.toFixed(0)}/s × ${fmtMs(mean)} = ${(rate * mean / 1000).toFixed(1)} (measured: ${inFlight} in flight).`;
}
