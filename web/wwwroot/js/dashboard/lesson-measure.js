// What a lesson step measured: the server's summary over the row's window and the ticks seen during it, or the
// farm's frames; and, from the summary's endpoints, how the crowd's endpoint held its threads.
import { fmtMs } from '../../_content/LiveDash.AspNetCore/js/format.js';

/** The endpoint holding the most threads in the summary (the crowd's), or null when time on a thread was not measured. */
export function crowdEndpoint(server) {
    const top = [...(server.endpoints ?? [])].sort((a, b) => b.threadsHeld - a.threadsHeld)[0];
    if (!top || !top.requests) return null;
    const blockedIn = Object.entries(top.blockedBy ?? {}).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    return {
        route: top.route, threadsHeld: top.threadsHeld, onThreadMs: top.onThreadMs, blockedMs: top.blockedMs, awaitingMs: top.awaitingMs,
        blockedShare: top.onThreadMs > 0 ? top.blockedMs / top.onThreadMs : 0, blockedIn, peakThreads: server.peakThreads,
    };
}

/** "/api/orders held 38 of 41 threads, 97 % of its time on them blocked in a wait inside a database call". */
export function threadWords(t, brief = false) {
    const held = `${t.route} held ${t.threadsHeld.toFixed(t.threadsHeld >= 10 ? 0 : 1)}${t.peakThreads ? ` of ${t.peakThreads}` : ''} threads`;
    const blocked = `${(100 * t.blockedShare).toFixed(0)} % of its ${fmtMs(t.onThreadMs)} on a thread blocked` + (t.blockedIn ? ` in ${t.blockedIn}` : '');
    return brief ? `${held}, ${blocked}` : `${held}, ${blocked}; ${fmtMs(t.awaitingMs)} of each request awaited holding none`;
}

export function summarize(run, server, ticks) {
    let threads = 0, queued = 0;
    for (const t of ticks) {
        threads = Math.max(threads, t.th);
        queued = Math.max(queued, t.q);
    }
    if (!server.requests) throw new Error('no request reached the server (is the load agent pointed at this server?)');
    return {
        rps: server.rps, p50Ms: server.endToEnd.p50Ms, p99Ms: server.endToEnd.p99Ms, errors: run.errors,
        inAppMs: server.inApp.p50Ms, waitMs: server.waitingForThread?.meanMs ?? null, waitP99: server.waitingForThread?.p99Ms ?? null, sendMs: server.waitingToSend?.meanMs ?? null, peakThreads: threads, queued,
        threads: crowdEndpoint(server),
    };
}

// The farm's frames carry each second's merged percentiles, not the window's histogram: its p50 and p99 here are the
// medians of those per-second figures, and its peak threads the most any one instance had.
export function summarizeFarm(run, frames) {
    const live = (frames ?? []).filter(f => f.p.length);
    if (!live.length) throw new Error('no farm frame with requests arrived during the farm row (is this instance hearing the farm?)');
    const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
    return {
        rps: live.reduce((sum, f) => sum + f.rps, 0) / live.length, p50Ms: median(live.map(f => f.p[0])), p99Ms: median(live.map(f => f.p[2])),
        errors: run.errors, inAppMs: null, waitMs: null, waitP99: null,
        peakThreads: Math.max(...live.flatMap(f => f.i.filter(l => !l.gone).map(l => l.th))), queued: Math.max(...live.flatMap(f => f.i.filter(l => !l.gone).map(l => l.q))),
        instances: Math.max(...live.map(f => f.live)),
    };
}


/**
 * The crowd's run once it has ended and every agent reported its end (its totals are then the agents' own count for the
 * whole step, sent again after a reconnect if the channel dropped); as it stands after 20 s otherwise.
 */
export async function finalRun(id, getJson) {
    const until = Date.now() + 20_000;
    for (;;) {
        const run = await getJson(`/admin/api/load/runs/${id}`);
        const done = !['running', 'stopping'].includes(run.state) && (run.agents ?? []).every(a => a.state === 'ended');
        if (done || Date.now() > until) return run;
        await new Promise(r => setTimeout(r, 500));
    }
}
