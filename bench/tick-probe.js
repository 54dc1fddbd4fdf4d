// Reads the telemetry stream like a dashboard and reports tick sizes and freshness (server tick time
// to arrival here, same machine clock). Usage: node --experimental-websocket tick-probe.js ws://... seconds
const [url, seconds] = [process.argv[2], Number(process.argv[3] || 10)];
const RS = '\u001e';
const sizes = [], ages = [];
let buffer = '', backlogDone = false;
const ws = new WebSocket(url);
ws.onopen = () => ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
ws.onmessage = e => {
    buffer += e.data;
    const parts = buffer.split(RS);
    buffer = parts.pop();
    for (const p of parts) {
        const m = JSON.parse(p);
        if (m.type === undefined) { ws.send(JSON.stringify({ type: 4, invocationId: 't', target: 'Ticks', arguments: [] }) + RS); continue; }
        if (m.type !== 2) continue;
        const age = Date.now() - m.item.k.t;
        if (!backlogDone && age > 1000) continue;   // the last minute, replayed on connect
        backlogDone = true;
        sizes.push(Buffer.byteLength(p) + 1);
        ages.push(age);
    }
};
const pct = (a, q) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil(q / 100 * s.length) - 1)]; };
setTimeout(() => {
    if (!sizes.length) { console.log('no ticks received'); process.exit(1); }
    console.log(`ticks: ${sizes.length} in ${seconds} s`);
    console.log(`tick size bytes: median ${pct(sizes, 50)}, p99 ${pct(sizes, 99)}, max ${Math.max(...sizes)} (limit 32768)`);
    console.log(`freshness ms (tick time -> received): median ${pct(ages, 50)}, p99 ${pct(ages, 99)}, max ${Math.max(...ages)}`);
    process.exit(0);
}, seconds * 1000);
