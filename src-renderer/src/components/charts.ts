/** ECharts, tree-shaken to the pieces the app draws (lines, bars, markers). */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { AriaComponent, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([AriaComponent, LineChart, BarChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, TitleComponent, DataZoomComponent, CanvasRenderer]);

export { default as VChart } from 'vue-echarts';

export const PALETTE = ['#6b7280', '#2f6fed', '#e8590c', '#2b8a3e', '#ae3ec9', '#0ca678', '#f59f00', '#c92a2a'];

export const fmtPct = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(d)} %`);
export const fmtNum = (x: number): string => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : String(x));
export const fmtCos = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x.toFixed(5));
export const fmtMs = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
};
