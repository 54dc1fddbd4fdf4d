// The charts over time: latency (end to end, in app, the wait between them, client lines), throughput and
// in flight, the thread pool; a labelled marker at every settings change.
import { $, COLORS, fmtTime, serverModel } from './format.js';

const MAX_POINTS = 15 * 60 * 4 + 40;      // 15 min at 4 Hz, the widest window
const MAX_MARKERS = 200;

export const line = (label, color, extra = {}) => ({
    label, data: [], borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0,
    // A null point (no request in that rolling second) breaks the line: an idle stretch draws as a gap, not a slope.
    tension: 0, spanGaps: false, parsing: false, normalized: true, ...extra,
});

export function push(dataset, x, y) {
    const data = dataset.data;
    data.push({ x, y });
    if (data.length > MAX_POINTS + 200) data.splice(0, data.length - MAX_POINTS);
}

export function timeOptions(yTitle, extra = {}) {
    return {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: {
            decimation: { enabled: true, algorithm: 'min-max' },
            legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } },
            tooltip: { callbacks: { title: items => items.length ? fmtTime(items[0].parsed.x) : '' } },
            changeMarkers: { labels: false },
        },
        scales: {
            x: { type: 'linear', ticks: { callback: fmtTime, maxRotation: 0, autoSkipPadding: 24 }, grid: { color: '#eef1f5' } },
            y: { beginAtZero: true, title: { display: true, text: yTitle }, grid: { color: '#eef1f5' } },
        },
        ...extra,
    };
}

function withRightAxis(options, title) {
    options.scales.y1 = { position: 'right', beginAtZero: true, title: { display: true, text: title }, grid: { display: false } };
    return options;
}

function markerLabel(c) {
    switch (c.f) {
        case 'mode': return '→ ' + c.v;
        case 'dbLatencyMs': return 'DB ' + c.v + ' ms';
        case 'minThreads': return 'min threads ' + c.v;
        case 'workers': return serverModel(Number.parseInt(c.v, 10));
        case 'reset': return 'reset';
        default: return c.f + ' ' + c.v;
    }
}

/** Request-weighted means of the ticks' percentile arrays (p, pa, wt); null when none completed a request. */
function weighted(ticks) {
    let n = 0;
    const sums = { p: null, pa: null, wt: null };
    for (const t of ticks) {
        const k = t.ok + t.er;
        if (!k) continue;
        n += k;
        for (const key of ['p', 'pa', 'wt']) {
            const v = t[key];
            if (!v?.length) continue;
            sums[key] ??= new Array(v.length).fill(0);
            v.forEach((x, j) => { sums[key][j] += k * x; });
        }
    }
    if (!n) return null;
    for (const key of ['p', 'pa', 'wt']) if (sums[key]) sums[key] = sums[key].map(x => x / n);
    return sums;
}

export function createTimeCharts(root) {
    const Chart = globalThis.Chart;
    const markers = [];
    const rolling = [];

    // Vertical line and label at every settings change, on every time chart (labels on the latency chart only).
    Chart.register({
        id: 'changeMarkers',
        afterDatasetsDraw(chart, _args, options) {
            const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
            ctx.save();
            ctx.font = '11px system-ui, sans-serif';
            let lastLabelRight = -Infinity, row = 0;
            for (const m of markers) {
                if (m.x < x.min || m.x > x.max) continue;
                const px = Math.round(x.getPixelForValue(m.x)) + 0.5;
                ctx.strokeStyle = COLORS.marker;
                ctx.setLineDash([4, 3]);
                ctx.lineWidth = 1;
                ctx.beginPath();
                ctx.moveTo(px, area.top);
                ctx.lineTo(px, area.bottom);
                ctx.stroke();
                if (!options.labels) continue;
                ctx.setLineDash([]);
                const w = ctx.measureText(m.label).width + 8;
                row = px < lastLabelRight ? (row + 1) % 3 : 0;
                const left = Math.min(px + 2, area.right - w), top = area.top + 2 + row * 16;
                ctx.fillStyle = 'rgba(124, 58, 237, 0.92)';
                ctx.fillRect(left, top, w, 15);
                ctx.fillStyle = '#fff';
                ctx.fillText(m.label, left + 4, top + 11);
                lastLabelRight = left + w;
            }
            ctx.restore();
        },
    });

    const latencyOptions = timeOptions('ms');
    latencyOptions.plugins.changeMarkers = { labels: true };
    latencyOptions.layout = { padding: { top: 4 } };
    const latency = new Chart($('c-latency'), {
        type: 'line',
        data: {
            datasets: [line('p50', COLORS.p50), line('p95', COLORS.p95), line('p99', COLORS.p99),
                line('in-app p50', COLORS.inapp, { borderDash: [5, 3], borderWidth: 1 }),
                line('in-app p99', COLORS.inapp, { borderDash: [1, 2], borderWidth: 1 }),
                // The gap between end to end and in app: the time requests spent outside our code waiting for a thread.
                line('waiting for a thread (mean)', COLORS.wait, { fill: 'origin', backgroundColor: 'rgba(234,88,12,0.15)', borderWidth: 1 })],
        },
        options: latencyOptions,
    });
    const throughput = new Chart($('c-throughput'), {
        type: 'line',
        data: {
            datasets: [
                line('ok/s', COLORS.ok, { fill: 'origin', backgroundColor: 'rgba(22,163,74,0.12)' }),
                line('errors/s', COLORS.error),
                line('in flight', COLORS.inflight, { yAxisID: 'y1', borderDash: [3, 3] }),
            ],
        },
        options: withRightAxis(timeOptions('requests/s'), 'in flight'),
    });
    const threads = new Chart($('c-threads'), {
        type: 'line',
        data: {
            datasets: [
                line('threads', COLORS.threads),
                line('queued work items', COLORS.queue, { yAxisID: 'y1' }),
                line('min threads', COLORS.min, { borderDash: [6, 4], borderWidth: 1 }),
            ],
        },
        options: withRightAxis(timeOptions('threads'), 'queued'),
    });
    const charts = [latency, throughput, threads];

    return {
        latency, throughput, charts,

        addTick(tick) {
            // Latency lines over a 1 s rolling window (each tick's figures weighted by its requests), so a starved
            // server, whose 250 ms ticks alternate between none and a burst, reads as a level.
            rolling.push(tick);
            while (rolling.length && rolling[0].t <= tick.t - 1000) rolling.shift();
            const w = weighted(rolling);
            const ds = latency.data.datasets;
            push(ds[0], tick.t, w ? w.p[0] : null);
            push(ds[1], tick.t, w ? w.p[2] : null);
            push(ds[2], tick.t, w ? w.p[3] : null);
            push(ds[3], tick.t, w?.pa ? w.pa[0] : null);
            push(ds[4], tick.t, w?.pa ? w.pa[3] : null);
            push(ds[5], tick.t, w?.wt ? w.wt[0] : null);
            const sec = Math.max(tick.dt, 1) / 1000;
            const tds = throughput.data.datasets;
            push(tds[0], tick.t, +(tick.ok / sec).toFixed(1));
            push(tds[1], tick.t, +(tick.er / sec).toFixed(1));
            push(tds[2], tick.t, tick.if);
            const thds = threads.data.datasets;
            push(thds[0], tick.t, tick.th);
            push(thds[1], tick.t, tick.q);
            push(thds[2], tick.t, tick.mn);
            for (const c of tick.ch ?? []) this.addMarker(c);
        },

        addMarker(c) {
            if (markers.some(m => m.x === c.at && m.field === c.f)) return;
            markers.push({ x: c.at, field: c.f, label: markerLabel(c) });
            markers.sort((a, b) => a.x - b.x);
            if (markers.length > MAX_MARKERS) markers.shift();
            root.dataset.markers = String(markers.length);
            root.dataset.markerLabels = markers.slice(-20).map(m => m.label).join('|');
        },

        /** Shows [now - window, now], or from the first tick while the window is not yet full. */
        render(now, windowMin) {
            const first = latency.data.datasets[0].data[0]?.x ?? now;
            const min = Math.max(first, now - windowMin * 60_000);
            for (const chart of charts) {
                chart.options.scales.x.min = min;
                chart.options.scales.x.max = now;
                chart.update('none');
            }
        },

        /** Requests per second (ok, errors) averaged over the newest ticks. */
        recentRates(count) {
            const average = pick => {
                const data = throughput.data.datasets[pick].data;
                let s = 0, k = 0;
                for (let i = data.length - 1; i >= 0 && k < count; i--, k++) s += data[i].y ?? 0;
                return k ? s / k : 0;
            };
            return [average(0), average(1)];
        },

        setLogScale(on) {
            latency.options.scales.y = on
                ? { type: 'logarithmic', title: { display: true, text: 'ms (log)' }, grid: { color: '#eef1f5' } }
                : { beginAtZero: true, title: { display: true, text: 'ms' }, grid: { color: '#eef1f5' } };
            latency.update('none');
        },
    };
}
