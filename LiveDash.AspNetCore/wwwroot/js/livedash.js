// The library's own dashboard page: the generic panels with no host hooks.
import { $ } from './format.js';
import { startDashboard } from './dashboard.js';
import { wireBlockingPanel } from './blocking.js';

startDashboard($('dash'));
wireBlockingPanel($('blocking-panel'));
