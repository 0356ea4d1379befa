/** The embedded demo's public surface (CLI `easyquant demo`, GUI "Open demo project"). */
export { runDemo, DEMO_DEFAULTS, DEMO_EXPORT_FILES, DemoCancelled } from './run-demo.js';
export { formatDemoTable } from './format-table.js';
export { DEMO_CARD_FILE, demoCard } from './demo-card.js';
export type { DemoLatency, DemoOptions, DemoProgress, DemoProgressSink, DemoResult, DemoRow, DemoStage } from '../contract/demo.js';
