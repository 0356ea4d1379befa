/** ECharts option of an |x| histogram (bins over [0, max]) with vertical clip lines. */
import { PALETTE } from './charts';

export interface ClipLine {
  name: string;
  at: number;
  dashed?: boolean;
  colorIndex: number;
}

export function absHistogramOption(title: string, max: number, counts: number[], lines: ClipLine[]): Record<string, unknown> {
  const w = max / Math.max(1, counts.length);
  return {
    animation: false,
    aria: { enabled: true },
    title: { text: title, left: 'center', textStyle: { fontSize: 12, fontWeight: 600 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 55, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'value', min: 0, max: Math.max(max, ...lines.map((l) => l.at)) * 1.02, axisLabel: { fontSize: 10, showMaxLabel: false } },
    yAxis: { type: 'log', min: 1, axisLabel: { fontSize: 10 } },
    series: [
      {
        name: title,
        type: 'bar',
        barWidth: '100%',
        color: '#9aa5b8',
        data: counts.map((c, i) => [(i + 0.5) * w, c || null]),
        markLine: {
          symbol: 'none',
          label: { formatter: '{b}', position: 'insideEndTop', fontSize: 10 },
          data: lines.map((l) => ({
            name: l.name,
            xAxis: l.at,
            lineStyle: { color: PALETTE[(l.colorIndex + 1) % PALETTE.length], width: 2, type: l.dashed ? 'dashed' : 'solid' },
          })),
        },
      },
    ],
  };
}
