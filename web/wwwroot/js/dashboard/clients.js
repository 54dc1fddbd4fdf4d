// What a load run's clients saw (client ticks in the server's tick): dashed lines on the latency chart and a table beside the server's figures.
import { $, fmtMs } from './format.js';
import { line, push } from './time-charts.js';

export function createClients(latencyChart) {
    const runs = new Map();

    function datasets(run) {
        let entry = runs.get(run);
        if (entry) return entry;
        const hue = [200, 150, 280, 30][runs.size % 4];
        const p50 = line(`client p50 · ${run}`, `hsl(${hue} 70% 45%)`, { borderDash: [6, 4], borderWidth: 1.5 });
        const p99 = line(`client p99 · ${run}`, `hsl(${hue} 70% 35%)`, { borderDash: [2, 3], borderWidth: 1.5 });
        latencyChart.data.datasets.push(p50, p99);
        entry = { p50, p99, last: null };
        runs.set(run, entry);
        $('client-note').hidden = false;
        $('client-panel').hidden = false;
        return entry;
    }

    return {
        addTick(tick) {
            for (const c of tick.cl ?? []) {
                const entry = datasets(c.run);
                push(entry.p50, c.t, c.p50);
                push(entry.p99, c.t, c.p99);
                entry.last = c;
            }
        },

        render(tick) {
            if (!runs.size) return;
            const body = $('clients').tBodies[0];
            body.innerHTML = '';
            for (const [run, entry] of runs) {
                const c = entry.last;
                if (!c) continue;
                const tr = body.insertRow();
                const cells = [run, c.rps.toFixed(0), fmtMs(c.p50), fmtMs(c.p99), fmtMs(tick.p[0]), fmtMs(tick.p[3]), String(c.er)];
                cells.forEach((text, i) => { const td = tr.insertCell(); td.textContent = text; if (i) td.className = 'num'; });
            }
        },
    };
}
