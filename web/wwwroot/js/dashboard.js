// LiveDash dashboard: reads the tick stream from /hubs/telemetry and draws it with Chart.js.
(() => {
    'use strict';

    const root = document.getElementById('dash');
    const MODES = ['Sync', 'Async', 'SyncOverAsync'];
    const SHORT_MODES = ['Sync', 'Async', 'SoA'];
    const COLORS = {
        p50: '#2563eb', p95: '#d97706', p99: '#dc2626',
        ok: '#16a34a', error: '#dc2626', inflight: '#64748b',
        threads: '#2563eb', queue: '#d97706', min: '#64748b',
        queued: '#f59e0b', running: '#2563eb', db: '#14b8a6',
        inapp: '#64748b', wait: '#ea580c', before: '#a8a29e',
        marker: '#7c3aed', hist: '#2563eb',
    };
    const MAX_POINTS = 15 * 60 * 4 + 40;      // 15 min at 4 Hz, the widest window
    const HIST_TICKS = 40;                      // 10 s of ticks
    const WATERFALL_ROWS = 48;
    const MAX_ROUND_TRIPS = 4;
    const MAX_MARKERS = 200;

    const state = {
        ticks: 0, lastSeq: 0, lastT: 0, connected: false, paused: false, windowMin: 5,
        requestsSeen: 0, markers: [], waterfallBars: 0, dropped: 0,
        recent: [], histTicks: [], clientRuns: new Map(), lastTick: null,
    };
    window.liveDash = state;

    const $ = id => document.getElementById(id);
    const fmtMs = v => v == null ? '–' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';
    const fmtTime = v => new Date(v).toLocaleTimeString([], { hour12: false });

    if (typeof Chart === 'undefined' || typeof signalR === 'undefined') {
        const missing = $('libs-missing');
        if (missing) missing.hidden = false;
        setConnection('libraries missing', 'down');
        return;
    }
    if (root.dataset.telemetry === 'off') {
        setConnection('telemetry off', 'down');
        return;
    }

    // Vertical line and label at every settings change, on every time chart (labels on the latency chart only).
    const markerPlugin = {
        id: 'changeMarkers',
        afterDatasetsDraw(chart, _args, options) {
            const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
            ctx.save();
            ctx.font = '11px system-ui, sans-serif';
            let lastLabelRight = -Infinity, row = 0;
            for (const m of state.markers) {
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
    };
    Chart.register(markerPlugin);
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';
    Chart.defaults.font.size = 11;
    Chart.defaults.color = '#475569';

    const line = (label, color, extra = {}) => ({
        label, data: [], borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0,
        tension: 0, spanGaps: true, parsing: false, normalized: true, ...extra,
    });

    const timeOptions = (yTitle, extra = {}) => ({
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
    });

    const latencyChart = new Chart($('c-latency'), {
        type: 'line',
        data: {
            datasets: [line('p50', COLORS.p50), line('p95', COLORS.p95), line('p99', COLORS.p99),
                line('in-app p50', COLORS.inapp, { borderDash: [5, 3], borderWidth: 1 }),
                line('in-app p99', COLORS.inapp, { borderDash: [1, 2], borderWidth: 1 }),
                // The gap between end to end and in app: the time requests spent outside our code waiting for a thread.
                line('waiting for a thread (mean)', COLORS.wait, { fill: 'origin', backgroundColor: 'rgba(234,88,12,0.15)', borderWidth: 1 })],
        },
        options: (() => {
            const o = timeOptions('ms');
            o.plugins.changeMarkers = { labels: true };
            o.layout = { padding: { top: 4 } };
            return o;
        })(),
    });

    const throughputChart = new Chart($('c-throughput'), {
        type: 'line',
        data: {
            datasets: [
                line('ok/s', COLORS.ok, { fill: 'origin', backgroundColor: 'rgba(22,163,74,0.12)' }),
                line('errors/s', COLORS.error),
                line('in flight', COLORS.inflight, { yAxisID: 'y1', borderDash: [3, 3] }),
            ],
        },
        options: (() => {
            const o = timeOptions('requests/s');
            o.scales.y1 = { position: 'right', beginAtZero: true, title: { display: true, text: 'in flight' }, grid: { display: false } };
            return o;
        })(),
    });

    const threadsChart = new Chart($('c-threads'), {
        type: 'line',
        data: {
            datasets: [
                line('threads', COLORS.threads),
                line('queued work items', COLORS.queue, { yAxisID: 'y1' }),
                line('min threads', COLORS.min, { borderDash: [6, 4], borderWidth: 1 }),
            ],
        },
        options: (() => {
            const o = timeOptions('threads');
            o.scales.y1 = { position: 'right', beginAtZero: true, title: { display: true, text: 'queued' }, grid: { display: false } };
            return o;
        })(),
    });

    // Waterfall: one floating-bar dataset per segment slot (queued, run 0..n, db 0..n-1), all overlaid on their row.
    const wfDatasets = [
        { label: 'before the server (X-LiveDash-Sent only)', backgroundColor: COLORS.before, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1 },
        { label: 'waiting for a thread', backgroundColor: COLORS.wait, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1 },
        { label: 'queued', backgroundColor: COLORS.queued, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1 }];
    const WF_FIRST_RUN = wfDatasets.length;
    for (let i = 0; i <= MAX_ROUND_TRIPS; i++) {
        wfDatasets.push({ label: 'running our code', backgroundColor: COLORS.running, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1 });
        // A thin white edge keeps back-to-back round trips apart when our code between them takes microseconds.
        if (i < MAX_ROUND_TRIPS) wfDatasets.push({ label: 'waiting on the database', backgroundColor: COLORS.db, borderColor: '#fff', borderWidth: { left: 1 }, borderSkipped: false, data: [], grouped: false, barPercentage: 0.9, categoryPercentage: 1, dbIndex: i });
    }
    const waterfallChart = new Chart($('c-waterfall'), {
        type: 'bar',
        data: { labels: [], datasets: wfDatasets },
        options: {
            animation: false, responsive: true, maintainAspectRatio: false, indexAxis: 'y',
            plugins: {
                legend: {
                    position: 'bottom',
                    labels: { boxWidth: 12, filter: (item, data) => data.datasets.findIndex(d => d.label === item.text) === item.datasetIndex },
                    onClick: () => { },
                },
                tooltip: {
                    callbacks: {
                        title: items => items.length ? state.waterfallRows[items[0].dataIndex]?.title ?? '' : '',
                        label: item => {
                            const [a, b] = item.raw.x;
                            const ds = item.dataset;
                            const name = ds.dbIndex !== undefined ? `database (${state.waterfallRows[item.dataIndex]?.labels[ds.dbIndex] ?? ''})` : ds.label;
                            return `${name}: ${(b - a).toFixed(1)} ms`;
                        },
                    },
                },
            },
            scales: {
                x: { type: 'linear', title: { display: true, text: 'ms, relative to the newest sampled request\'s arrival' }, grid: { color: '#eef1f5' } },
                y: { ticks: { autoSkip: true, font: { size: 10 }, callback: (_v, i) => state.waterfallRows[i]?.label ?? '' }, grid: { display: false } },
            },
        },
    });
    state.waterfallRows = [];

    const edges = root.dataset.edges.split(',').map(Number);
    const edgeLabel = v => v >= 1000 ? (v / 1000) + ' s' : v + ' ms';
    const histLabels = ['< ' + edgeLabel(edges[0])];
    for (let i = 1; i < edges.length; i++) histLabels.push(edgeLabel(edges[i - 1]) + '–' + edgeLabel(edges[i]));
    histLabels.push('≥ ' + edgeLabel(edges[edges.length - 1]));
    const histogramChart = new Chart($('c-histogram'), {
        type: 'bar',
        data: { labels: histLabels, datasets: [{ label: 'requests', data: new Array(histLabels.length).fill(0), backgroundColor: COLORS.hist, barPercentage: 1, categoryPercentage: 0.95 }] },
        options: {
            animation: false, responsive: true, maintainAspectRatio: false,
            plugins: { legend: { display: false } },
            scales: {
                x: { ticks: { maxRotation: 60, minRotation: 45, autoSkip: true, font: { size: 10 } }, grid: { display: false }, title: { display: true, text: 'end-to-end latency' } },
                y: { beginAtZero: true, title: { display: true, text: 'requests' }, grid: { color: '#eef1f5' } },
            },
        },
    });

    const timeCharts = [latencyChart, throughputChart, threadsChart];

    function push(dataset, x, y) {
        const data = dataset.data;
        data.push({ x, y });
        if (data.length > MAX_POINTS + 200) data.splice(0, data.length - MAX_POINTS);
    }

    function markerLabel(c) {
        switch (c.f) {
            case 'mode': return '→ ' + c.v;
            case 'dbLatencyMs': return 'DB ' + c.v + ' ms';
            case 'minThreads': return 'min threads ' + c.v;
            case 'reset': return 'reset';
            default: return c.f + ' ' + c.v;
        }
    }

    function addMarker(c) {
        if (state.markers.some(m => m.x === c.at && m.field === c.f)) return;
        state.markers.push({ x: c.at, field: c.f, label: markerLabel(c) });
        state.markers.sort((a, b) => a.x - b.x);
        if (state.markers.length > MAX_MARKERS) state.markers.shift();
        root.dataset.markers = String(state.markers.length);
    }

    function clientDatasets(run) {
        let entry = state.clientRuns.get(run);
        if (entry) return entry;
        const hue = [200, 150, 280, 30][state.clientRuns.size % 4];
        const p50 = line(`client p50 · ${run}`, `hsl(${hue} 70% 45%)`, { borderDash: [6, 4], borderWidth: 1.5 });
        const p99 = line(`client p99 · ${run}`, `hsl(${hue} 70% 35%)`, { borderDash: [2, 3], borderWidth: 1.5 });
        latencyChart.data.datasets.push(p50, p99);
        entry = { p50, p99, last: null };
        state.clientRuns.set(run, entry);
        $('client-note').hidden = false;
        $('client-panel').hidden = false;
        return entry;
    }

    function onTick(frame) {
        const tick = frame.k;
        if (tick.t <= state.lastT) return;          // the backlog again after a reconnect
        state.lastT = tick.t;
        state.lastSeq = tick.n;
        state.ticks++;
        state.lastTick = tick;
        if (frame.d !== state.dropped) {
            state.dropped = frame.d;
            const el = $('dropped');
            el.hidden = frame.d === 0;
            el.textContent = `${frame.d} ticks skipped (this browser fell behind)`;
        }
        const n = tick.ok + tick.er;
        state.requestsSeen += n;
        const [p50, , p95, p99] = tick.p;
        const ds = latencyChart.data.datasets;
        push(ds[0], tick.t, n ? p50 : null);
        push(ds[1], tick.t, n ? p95 : null);
        push(ds[2], tick.t, n ? p99 : null);
        push(ds[3], tick.t, n && tick.pa ? tick.pa[0] : null);
        push(ds[4], tick.t, n && tick.pa ? tick.pa[3] : null);
        push(ds[5], tick.t, n && tick.wt ? tick.wt[0] : null);
        const sec = Math.max(tick.dt, 1) / 1000;
        const tds = throughputChart.data.datasets;
        push(tds[0], tick.t, +(tick.ok / sec).toFixed(1));
        push(tds[1], tick.t, +(tick.er / sec).toFixed(1));
        push(tds[2], tick.t, tick.if);
        const thds = threadsChart.data.datasets;
        push(thds[0], tick.t, tick.th);
        push(thds[1], tick.t, tick.q);
        push(thds[2], tick.t, tick.mn);
        for (const c of tick.ch ?? []) addMarker(c);
        for (const c of tick.cl ?? []) {
            const entry = clientDatasets(c.run);
            push(entry.p50, c.t, c.p50);
            push(entry.p99, c.t, c.p99);
            entry.last = c;
        }
        state.histTicks.push(tick.h);
        if (state.histTicks.length > HIST_TICKS) state.histTicks.shift();
        if (tick.w) {
            for (const w of tick.w) state.recent.push({ ...w, at: tick.t + w.s, names: w.l.map(i => tick.lb?.[i] ?? '') });
            if (state.recent.length > WATERFALL_ROWS * 4) state.recent.splice(0, state.recent.length - WATERFALL_ROWS * 4);
        }
        scheduleRender();
    }

    let renderPending = false;
    function scheduleRender() {
        if (renderPending || state.paused) return;
        renderPending = true;
        requestAnimationFrame(() => { renderPending = false; render(); });
    }

    function render() {
        const tick = state.lastTick;
        if (!tick) return;
        root.dataset.ticks = String(state.ticks);
        $('empty').hidden = state.requestsSeen > 0;
        renderStrip(tick);
        // Until the window is full, start the axis at the first tick rather than at empty minutes.
        const first = latencyChart.data.datasets[0].data[0]?.x ?? tick.t;
        const max = tick.t, min = Math.max(first, max - state.windowMin * 60_000);
        for (const chart of timeCharts) {
            chart.options.scales.x.min = min;
            chart.options.scales.x.max = max;
            chart.update('none');
        }
        renderWaterfall();
        renderHistogram();
        renderModes(tick);
        renderClients(tick);
    }

    function lastTicksSum(count, pick) {
        // Sums over the newest ticks the charts hold (they are in the throughput datasets).
        const data = throughputChart.data.datasets[pick].data;
        let s = 0, k = 0;
        for (let i = data.length - 1; i >= 0 && k < count; i--, k++) s += data[i].y ?? 0;
        return k ? s / k : 0;
    }

    function renderStrip(tick) {
        const mode = MODES[tick.m] ?? '?';
        const modeEl = $('s-mode');
        modeEl.textContent = mode;
        modeEl.className = 'mode mode-' + mode;
        const pill = document.querySelector('.status-pill .mode');   // the layout's pill was rendered at page load
        if (pill) { pill.textContent = mode; pill.className = 'mode mode-' + mode; }
        $('s-lat').textContent = tick.lat + ' ms';
        const okRate = lastTicksSum(4, 0), errRate = lastTicksSum(4, 1);
        $('s-rps').textContent = (okRate + errRate).toFixed(0);
        const any = tick.ok + tick.er > 0;
        $('s-p').textContent = any ? `${fmtMs(tick.p[0])} / ${fmtMs(tick.p[3])}${tick.ms < 0.99 ? ' (est.)' : ''}` : '–';
        $('s-p').title = any ? `end to end: bytes received → response sent; ${(100 * (tick.ms ?? 0)).toFixed(0)} % of arrivals measured at the socket` : '';
        $('s-inapp').textContent = any && tick.pa ? `${fmtMs(tick.pa[0])} / ${fmtMs(tick.pa[3])}` : '–';
        $('s-wait').textContent = any && tick.wt ? fmtMs(tick.wt[0]) : '–';
        $('s-wait').classList.toggle('bad', any && tick.wt && tick.wt[0] > Math.max(5, 0.2 * tick.pa[0]));
        $('s-threads').textContent = tick.th;
        $('s-queue').textContent = tick.q;
        $('s-inflight').textContent = tick.if;
        const total = okRate + errRate;
        $('s-errors').textContent = total ? (100 * errRate / total).toFixed(errRate ? 1 : 0) + ' %' : '–';
        $('s-errors').classList.toggle('bad', errRate > 0);
        $('s-db').textContent = tick.db ? `${tick.db[0]} / ${tick.db[1]}${tick.db[2] ? ` (${tick.db[2]} waiting)` : ''}` : 'n/a';
        $('s-cpu').textContent = tick.cpu.toFixed(0) + ' %';
        document.querySelectorAll('.set-mode').forEach(b => b.classList.toggle('active', b.dataset.mode === mode));
    }

    function renderWaterfall() {
        const rows = state.recent.slice(-WATERFALL_ROWS).sort((a, b) => a.at - b.at);
        const base = rows.length ? Math.max(...rows.map(r => r.at)) : 0;
        const labels = [];
        state.waterfallRows = [];
        for (const d of waterfallChart.data.datasets) d.data = [];
        const sets = waterfallChart.data.datasets;
        let bars = 0;
        rows.forEach((r, i) => {
            const label = String(i);
            labels.push(label);
            state.waterfallRows.push({ label: `${SHORT_MODES[r.m] ?? '?'} ${r.r} ${r.c}`, title: `${r.r} → ${r.c} (${MODES[r.m]}) ${(r.d + (r.wt ?? 0)).toFixed(1)} ms from arrival, ${r.d.toFixed(1)} ms in app`, labels: r.names });
            const t0 = r.at - base;
            const add = (set, a, b) => { if (b > a) { set.data.push({ x: [t0 + a, t0 + b], y: label, row: i }); bars++; } };
            const wait = r.wt ?? 0;
            if (r.b != null) add(sets[0], -wait - r.b, -wait);
            add(sets[1], -wait, 0);
            add(sets[2], 0, r.q);
            let cursor = r.q, slot = 0;
            for (let k = 0; k < r.db.length / 2; k++) {
                add(sets[WF_FIRST_RUN + 2 * slot], cursor, r.db[2 * k]);
                add(sets[WF_FIRST_RUN + 1 + 2 * slot], r.db[2 * k], r.db[2 * k + 1]);
                cursor = r.db[2 * k + 1];
                slot++;
            }
            add(sets[WF_FIRST_RUN + 2 * slot], cursor, r.d);
        });
        // Rows are keyed by index so two requests with the same route still get a row each.
        waterfallChart.data.labels = labels;
        waterfallChart.update('none');
        state.waterfallBars = bars;
        root.dataset.waterfallBars = String(bars);
    }

    function renderHistogram() {
        const sums = new Array(histLabels.length).fill(0);
        for (const h of state.histTicks) for (let i = 0; i < h.length && i < sums.length; i++) sums[i] += h[i];
        // Show the populated range (plus a band either side) so a 25 ms peak does not shrink to a sliver.
        let lo = sums.findIndex(v => v > 0), hi = sums.length - 1 - [...sums].reverse().findIndex(v => v > 0);
        if (lo < 0) { lo = 8; hi = 22; }
        lo = Math.max(0, lo - 1); hi = Math.min(sums.length - 1, Math.max(hi + 1, lo + 8));
        histogramChart.data.labels = histLabels.slice(lo, hi + 1);
        histogramChart.data.datasets[0].data = sums.slice(lo, hi + 1);
        histogramChart.update('none');
    }

    function renderModes(tick) {
        const body = $('modes').tBodies[0];
        if (!tick.pm.length) return;
        body.innerHTML = '';
        for (const m of tick.pm) {
            const tr = body.insertRow();
            const mode = MODES[m.m];
            tr.innerHTML = `<td><span class="mode mode-${mode}">${mode}</span></td><td class="num">${m.n.toLocaleString()}</td><td class="num">${m.rps.toFixed(1)}</td>`
                + `<td class="num">${m.n ? fmtMs(m.p50) : '–'}</td><td class="num">${m.n ? fmtMs(m.p95) : '–'}</td><td class="num">${m.n ? fmtMs(m.p99) : '–'}</td>`
                + `<td class="num muted">${m.n ? fmtMs(m.a50) : '–'}</td><td class="num">${m.pk}</td>`;
        }
    }

    function renderClients(tick) {
        if (!state.clientRuns.size) return;
        const body = $('clients').tBodies[0];
        body.innerHTML = '';
        for (const [run, entry] of state.clientRuns) {
            const c = entry.last;
            if (!c) continue;
            const tr = body.insertRow();
            const cells = [run, c.rps.toFixed(0), fmtMs(c.p50), fmtMs(c.p99), fmtMs(tick.p[0]), fmtMs(tick.p[3]), String(c.er)];
            cells.forEach((text, i) => { const td = tr.insertCell(); td.textContent = text; if (i) td.className = 'num'; });
        }
    }

    function setConnection(text, cls) {
        $('conn-text').textContent = text;
        $('conn-dot').className = 'dot ' + cls;
        state.connected = cls === 'up';
    }

    // ---------- connection ----------

    const connection = new signalR.HubConnectionBuilder()
        .withUrl(root.dataset.hub)
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(10_000, 500 * 2 ** Math.min(ctx.previousRetryCount, 5)) })
        .configureLogging(signalR.LogLevel.Warning)
        .build();

    connection.on('SettingsChanged', c => {
        if (c.f === 'mode') { const el = $('s-mode'); el.textContent = c.v; el.className = 'mode mode-' + c.v; }
        if (c.f === 'dbLatencyMs') $('s-lat').textContent = c.v + ' ms';
    });

    function subscribe() {
        connection.stream('Ticks').subscribe({
            next: onTick,
            error: err => setConnection('stream ended: ' + (err?.message ?? err), 'down'),
            complete: () => { },
        });
    }

    connection.onreconnecting(() => setConnection('reconnecting…', 'warn'));
    connection.onreconnected(() => { setConnection('live', 'up'); subscribe(); });
    connection.onclose(() => { setConnection('disconnected — retrying', 'down'); setTimeout(start, 3000); });

    async function start() {
        try {
            setConnection('connecting…', 'warn');
            await connection.start();
            setConnection('live', 'up');
            subscribe();
        } catch (e) {
            setConnection('cannot connect — retrying', 'down');
            setTimeout(start, 3000);
        }
    }
    start();

    // ---------- controls ----------

    document.querySelectorAll('.win').forEach(b => b.addEventListener('click', () => {
        state.windowMin = Number(b.dataset.min);
        document.querySelectorAll('.win').forEach(o => o.classList.toggle('active', o === b));
        render();
    }));

    $('pause').addEventListener('click', () => {
        state.paused = !state.paused;
        $('pause').textContent = state.paused ? 'Resume' : 'Pause';
        $('pause').classList.toggle('active', state.paused);
        if (!state.paused) render();
    });

    $('logscale').addEventListener('change', e => {
        latencyChart.options.scales.y = e.target.checked
            ? { type: 'logarithmic', title: { display: true, text: 'ms (log)' }, grid: { color: '#eef1f5' } }
            : { beginAtZero: true, title: { display: true, text: 'ms' }, grid: { color: '#eef1f5' } };
        latencyChart.update('none');
    });

    if (root.dataset.admin === 'true') {
        const msg = $('admin-msg');
        const send = async (method, url, body) => {
            msg.textContent = '…';
            try {
                const res = await fetch(url, {
                    method, credentials: 'same-origin',
                    headers: { 'X-CSRF-TOKEN': document.querySelector('meta[name="csrf-token"]')?.content ?? '', ...(body ? { 'Content-Type': 'application/json' } : {}) },
                    body: body ? JSON.stringify(body) : undefined,
                });
                const json = await res.json().catch(() => ({}));
                msg.textContent = res.ok ? 'applied' : (json.error ?? `HTTP ${res.status}`);
                msg.classList.toggle('bad', !res.ok);
            } catch (e) {
                msg.textContent = e.message;
                msg.classList.add('bad');
            }
        };
        document.querySelectorAll('.set-mode').forEach(b => b.addEventListener('click', () => send('PUT', '/admin/api/settings', { mode: b.dataset.mode })));
        $('apply-settings').addEventListener('click', () => send('PUT', '/admin/api/settings', {
            dbLatencyMs: Number($('set-lat').value), minThreads: Number($('set-min').value),
        }));
        $('reset').addEventListener('click', () => send('POST', '/admin/api/reset'));
    }
})();
