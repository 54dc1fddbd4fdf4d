// Reads the telemetry stream like a dashboard and reports how live it stays: frames per second, the gaps
// between frames, and how far behind the server each frame arrives (receive time here minus the tick's server
// time, same machine clock; minus the server's own send stamp "s" when frames carry one).
// Usage: node --experimental-websocket frame-probe.js ws://HOST:PORT/hubs/telemetry seconds
const [url, seconds] = [process.argv[2], Number(process.argv[3] || 10)];
const RS = '\u001e';
const arrivals = [], behind = [], queued = [];
let buffer = '', backlogDone = false, started = 0;
const ws = new WebSocket(url);
ws.onopen = () => ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
ws.onmessage = e => {
    const now = Date.now();
    buffer += e.data;
    const parts = buffer.split(RS);
    buffer = parts.pop();
    for (const p of parts) {
        const m = JSON.parse(p);
        if (m.type === undefined) { ws.send(JSON.stringify({ type: 4, invocationId: 'f', target: 'Ticks', arguments: [] }) + RS); continue; }
        if (m.type !== 2) continue;
        const age = now - m.item.k.t;
        if (!backlogDone && age > 1000) continue;   // the last minute, replayed on connect
        if (!backlogDone) { backlogDone = true; started = now + 1000; setTimeout(report, seconds * 1000 + 1000); }
        if (now < started) continue;   // the backlog's newest ticks arrive together with the first live ones
        arrivals.push(now);
        behind.push(age);
        if (m.item.s) queued.push(m.item.s - m.item.k.t);
    }
};
const pct = (a, q) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q / 100 * s.length) - 1))]; };
function report() {
    const end = Date.now();
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    gaps.push(end - arrivals[arrivals.length - 1]);   // the silence at the end counts too
    console.log(`frames: ${arrivals.length} in ${((end - started) / 1000).toFixed(1)} s = ${(arrivals.length * 1000 / (end - started)).toFixed(2)} frames/s (the server makes 4)`);
    console.log(`gap between frames ms: median ${pct(gaps, 50)}, p99 ${pct(gaps, 99)}, max ${Math.max(...gaps)}`);
    console.log(`behind the server ms (tick made -> received): median ${pct(behind, 50)}, p99 ${pct(behind, 99)}, max ${Math.max(...behind)}`);
    if (queued.length) console.log(`of which before the server sent it ms: median ${pct(queued, 50)}, max ${Math.max(...queued)}`);
    process.exit(0);
}
setTimeout(() => { if (!backlogDone) { console.log('no live frames received'); process.exit(1); } }, (seconds + 30) * 1000);
