// The live dashboard (`headroom serve`): a read-only HTTP server over one database, with the report's charts.
export { startDashboard, type Dashboard, type ServeOptions } from './server.js';
export { viewFor, navHtml, type View, type ViewContext } from './views.js';
