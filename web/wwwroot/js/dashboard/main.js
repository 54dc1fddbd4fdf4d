// LiveDash dashboard: the library's generic dashboard (reads /hubs/telemetry, draws it with Chart.js) with the
// store's panels hooked in. The page's #dash element carries what the server knows (hub URL, mode names,
// histogram edges, admin or not) and, for tests and tools, what is drawn (data-connected, data-ticks,
// data-markers, data-waterfall-bars).
import { $ } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { renderModes, showMode } from '../../_content/LiveDash.AspNetCore/js/figures.js';
import { startDashboard } from '../../_content/LiveDash.AspNetCore/js/dashboard.js';
import { wireBlockingPanel } from '../../_content/LiveDash.AspNetCore/js/blocking.js';
import { wireAdminControls } from './controls.js';
import { wireLoadPanel } from './load-panel.js';
import { wireFarmPanel } from './farm-panel.js';
import { wireServerModel, workersReason } from './server-model.js';
import { wireLecturePanel } from './lecture-panel.js';
import { wireLag } from './lag.js';
import { wireLessonPanel } from './lesson-panel.js';
import { wireMongoPool } from './mongo-pool.js';
import { wireShed } from './shed.js';

const root = $('dash');
let lag = null;   // wired once the page can draw: a page that cannot must not say it is behind

startDashboard(root, {
    onFrame: frame => lag?.(frame),
    render: (tick, modes) => renderModes(tick, modes),
    onSettingsChanged: c => {
        if (c.f === 'mode') showMode(c.v);
        if (c.f === 'dbLatencyMs') $('s-lat').textContent = c.v + ' ms';
    },
    starvationReason: workersReason,
    wire(view, { modes }) {
        lag = wireLag(root, $('lag'));
        wireServerModel(root, view);
        wireShed(root, view);
        wireLecturePanel(root);
        wireLessonPanel(root);
        wireMongoPool(root);
        wireFarmPanel(view, modes);
        if (root.dataset.admin === 'true') {
            wireAdminControls();
            wireLoadPanel();
            // Admin-only: a change made with the admin cookie carries the antiforgery token.
            wireBlockingPanel($('blocking-panel'), { headers: { 'X-CSRF-TOKEN': document.querySelector('meta[name="csrf-token"]')?.content ?? '' } });
        }
    },
});
