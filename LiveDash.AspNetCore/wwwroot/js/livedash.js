// The library's own dashboard page: the generic panels with no host hooks.
import { $ } from './format.js';
import { startDashboard } from './dashboard.js';

startDashboard($('dash'));
