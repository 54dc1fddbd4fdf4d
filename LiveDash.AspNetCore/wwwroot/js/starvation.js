// The starvation banner: shown while requests wait for a thread-pool thread (measured at the socket) or, with no
// measured request, work items pile up beyond the threads; with Little's law in live numbers, and the endpoint that
// holds most of the pool's threads blocked, when one does (see threads-held.js). Reads the ticks
// through the page's 'livedash:tick' event. A host whose requests wait in a queue of its own passes a reason
// (see wireStarvationBanner) and keeps this one thread-pool rule for the rest.
import { $, fmtMs } from './format.js';
import { starvationCause } from './threads-held.js';

const SECOND = 4;            // ticks per second
const WAIT_MS = 20;          // a mean wait for a thread that starves whatever the handlers take
const recent = [];           // the last second's ticks
let waitingTicks = 0;        // consecutive ticks with requests waiting
let calmTicks = 0;           // consecutive ticks without, to hide the banner without flicker
let shown = false;

// hostReason(tick), optional, for a host with a queue of its own (e.g. N workers): undefined leaves the tick to the
// thread-pool rule; null says nothing waits (the thread-pool rule does not apply); { title, what } says requests
// wait in the host's queue, in words. While the banner shows, root carries data-starving="true".
export function wireStarvationBanner(root, view, hostReason = () => undefined) {
    root.addEventListener('livedash:tick', e => {
        const tick = e.detail;
        recent.push(tick);
        if (recent.length > SECOND) recent.shift();
        if (!view.paused) render(root, tick, hostReason(tick));
    });
}

// The last second's request-weighted mean wait for a thread (measured at the socket), its p99 and the in-app mean.
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

// The mean wait reaches 20 ms, or 5 ms and the in-app time (waiting requests are not yet in flight, so in-flight
// against threads cannot see them); with no measured request in that second, work items pile up beyond the threads.
function threadPoolStarving(tick) {
    const w = measuredWait();
    return w ? w.mean >= WAIT_MS || (w.mean >= 5 && w.mean >= w.inApp) : tick.q >= 2 && tick.if > tick.th;
}

function threadPoolWords(tick) {
    const w = measuredWait();
    const cause = starvationCause(recent, tick.th);
    return {
        cause,
        title: w
            ? `Requests wait ${fmtMs(w.mean)} on average for a thread-pool thread (p99 ${fmtMs(w.p99)}, measured at the socket, last second) `
              + `against ${fmtMs(w.inApp)} in the app; ${tick.q} work items queued.`
            : `${tick.q} work items waiting for a thread-pool thread; no request finished in the last second.`,
        what: (cause ? cause + ' ' : '') + `The .NET thread pool adds threads slowly, about 1–2 a second once past its minimum (now ${tick.th} threads, minimum ${tick.mn}). `
            + 'A thread blocked in a handler does nothing while it waits; awaiting instead hands it back.',
    };
}

function render(root, tick, host) {
    const starving = host === undefined ? threadPoolStarving(tick) : host !== null;
    if (starving) { waitingTicks++; calmTicks = 0; } else { calmTicks++; waitingTicks = 0; }
    if (!shown && waitingTicks >= 2) shown = true;
    if (shown && calmTicks >= 2 * SECOND) shown = false;
    $('starvation').hidden = !shown;
    root.dataset.starving = shown ? 'true' : 'false';
    if (!shown) return;
    const words = host ?? threadPoolWords(tick);
    root.dataset.starvationCause = words.cause ?? '';
    $('starvation-title').textContent = words.title;
    $('starvation-what').textContent = words.what;
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
