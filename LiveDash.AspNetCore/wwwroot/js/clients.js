// What a load run's clients saw (client ticks in the server's tick): dashed lines on the latency chart and a table beside the server's figures.
import { $, fmtMs, fmtTime } from './format.js';
import { line, push } from './time-charts.js';

// A run whose clients have not reported for this long has ended (they report every second).
const ENDED_AFTER_MS = 3000;
// The newest runs kept on the chart and in the table; older ones are dropped with their lines.
const KEEP_RUNS = 4;

export function createClients(latencyChart) {
    const runs = new Map();

    function datasets(run) {
        let entry = runs.get(run);
        if (entry) return entry;
        const hue = [200, 150, 280, 30][runs.size % 4];
        const p50 = line(`client p50 · ${run}`, `hsl(${hue} 70% 45%)`, { borderDash: [6, 4], borderWidth: 1.5 });
        const p99 = line(`client p99 · ${run}`, `hsl(${hue} 70% 35%)`, { borderDash: [2, 3], borderWidth: 1.5 });
        latencyChart.data.datasets.push(p50, p99);
        entry = { p50, p99, last: null, seen: 0 };
        runs.set(run, entry);
        while (runs.size > KEEP_RUNS) {
            const [oldest, gone] = runs.entries().next().value;
            runs.delete(oldest);
            latencyChart.data.datasets = latencyChart.data.datasets.filter(d => d !== gone.p50 && d !== gone.p99);
        }
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
                entry.seen = Date.now();
            }
        },

        render(tick) {
            if (!runs.size) return;
            const body = $('clients').tBodies[0];
            body.innerHTML = '';
            const now = Date.now();
            for (const [run, entry] of runs) {
                const c = entry.last;
                if (!c) continue;
                const tr = body.insertRow();
                // An ended run keeps its last second's client figures; its rate (often a part second) and
                // the server's figures of now no longer belong beside them.
                const ended = now - entry.seen > ENDED_AFTER_MS;
                if (ended) tr.classList.add('ended');
                const cells = ended
                    ? [`${run} (ended ${fmtTime(c.t)})`, '–', fmtMs(c.p50), fmtMs(c.p99), '–', '–', String(c.er)]
                    : [run, c.rps.toFixed(0), fmtMs(c.p50), fmtMs(c.p99), fmtMs(tick.p[0]), fmtMs(tick.p[3]), String(c.er)];
                cells.forEach((text, i) => { const td = tr.insertCell(); td.textContent = text; if (i) td.className = 'num'; });
            }
        },
    };
}
