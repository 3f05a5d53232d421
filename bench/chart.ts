/**
 * A latency CDF as a standalone SVG: for each series, the share of devices
 * (y) that had their message by time x. One picture shows the median, the
 * tail and how Ferry's curves sit against Mosquitto's.
 */
export interface Series {
  label: string;
  samplesMs: number[];
  color: string;
}

const W = 720;
const H = 400;
const M = { left: 60, right: 20, top: 40, bottom: 50 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for axis ticks covering `max` in about 5 steps. */
function niceStep(max: number): number {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

export function latencyCdfSvg(title: string, series: Series[]): string {
  const drawn = series.filter((s) => s.samplesMs.length > 0);
  const maxX = Math.max(1, ...drawn.map((s) => Math.max(...s.samplesMs)));
  const step = niceStep(maxX);
  const top = Math.ceil(maxX / step) * step;
  const px = (ms: number) => M.left + (ms / top) * (W - M.left - M.right);
  const py = (share: number) => H - M.bottom - share * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let x = 0; x <= top + 1e-9; x += step) {
    parts.push(`<line x1="${px(x)}" y1="${py(0)}" x2="${px(x)}" y2="${py(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${py(0) + 16}" text-anchor="middle">${Math.round(x)}</text>`);
  }
  for (const share of [0, 0.25, 0.5, 0.75, 0.95, 1]) {
    parts.push(`<line x1="${px(0)}" y1="${py(share)}" x2="${px(top)}" y2="${py(share)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${py(share) + 4}" text-anchor="end">${Math.round(share * 100)}%</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">ms after the first publish / CreateJob</text>`);
  parts.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">devices that had it</text>`);
  drawn.forEach((s, i) => {
    const sorted = [...s.samplesMs].sort((a, b) => a - b);
    // At most ~400 points per curve: plenty for 720 px.
    const every = Math.max(1, Math.floor(sorted.length / 400));
    const points = [`${px(0)},${py(0)}`];
    sorted.forEach((v, k) => {
      if (k % every === 0 || k === sorted.length - 1) points.push(`${px(v).toFixed(1)},${py((k + 1) / sorted.length).toFixed(1)}`);
    });
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const ly = M.top + 8 + i * 18;
    parts.push(`<line x1="${W - 250}" y1="${ly}" x2="${W - 230}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${W - 224}" y="${ly + 4}">${esc(`${s.label} (n=${s.samplesMs.length})`)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
