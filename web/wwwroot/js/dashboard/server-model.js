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

// Requests wait for a worker (the queue we own), or for a thread-pool thread (work items pile up).
function waiting(tick) {
    return tick.wk ? tick.wq > 0 : tick.q >= 2 && tick.if > tick.th;
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
        // The thread pool's queue has no per-item age; the sampled requests' waits for a thread (measured at the socket) give the longest seen.
        let longest = 0;
        for (const t of recent) for (const w of t.w ?? []) longest = Math.max(longest, (w.wt ?? 0) + w.q);
        $('starvation-title').textContent = `${tick.q} work items waiting for a thread-pool thread`
            + (longest > 0 ? `; the longest wait among the sampled requests: ${fmtMs(longest)}.` : '.');
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
