// The starvation banner, thread-pool part: shown while requests wait for a thread (measured at the socket) or
// work items pile up beyond the threads, with Little's law in live numbers. Reads the ticks through the page's 'livedash:tick' event.
import { $, fmtMs } from './format.js';

const SECOND = 4;            // ticks per second
const recent = [];           // the last second's ticks
let waitingTicks = 0;        // consecutive ticks with work waiting for a thread
let calmTicks = 0;           // consecutive ticks without, to hide the banner without flicker
let shown = false;

export function wireStarvationBanner(root, view) {
    root.addEventListener('livedash:tick', e => {
        const tick = e.detail;
        recent.push(tick);
        if (recent.length > SECOND) recent.shift();
        if (!view.paused) render(root, tick);
    });
}

// Requests measurably wait for a thread before the app (at the socket), or work items pile up beyond the threads.
const starving = tick => (tick.wt && tick.pa && tick.ok + tick.er > 0 && tick.wt[0] > Math.max(5, 0.2 * tick.pa[0]))
    || (tick.q >= 2 && tick.if > tick.th);

function render(root, tick) {
    if (starving(tick)) { waitingTicks++; calmTicks = 0; } else { calmTicks++; waitingTicks = 0; }
    if (!shown && waitingTicks >= 2) shown = true;
    if (shown && calmTicks >= 2 * SECOND) shown = false;
    $('starvation').hidden = !shown;
    root.dataset.starving = shown ? 'true' : 'false';
    if (!shown) return;
    // The pool's queue has no per-item age; the sampled requests' waits for a thread (measured at the socket) give the longest seen.
    let longest = 0;
    for (const t of recent) for (const w of t.w ?? []) longest = Math.max(longest, (w.wt ?? 0) + w.q);
    $('starvation-title').textContent = `${tick.q} work items waiting for a thread-pool thread`
        + (longest > 0 ? `; the longest wait among the sampled requests: ${fmtMs(longest)}.` : '.');
    $('starvation-what').textContent = `The .NET thread pool adds threads slowly, about 1–2 a second once past its minimum (now ${tick.th} threads, minimum ${tick.mn}). `
        + 'A thread blocked in a handler does nothing while it waits; awaiting instead hands it back.';
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
