/** The data folder the app, the web server and the CLI share (EQ_DATA_DIR or the per-user default). */
export { defaultDataDir } from '../store/data-dir.js';
