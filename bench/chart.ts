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

const fmtMs = (ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * Logarithmic time axis: a broker fan-out takes seconds where a job over a
 * slow control plane may take minutes, and both curves must stay readable.
 */
export function latencyCdfSvg(title: string, series: Series[]): string {
  const drawn = series.filter((s) => s.samplesMs.length > 0);
  // Loops, not Math.min(...all): a large fleet's samples would overflow the argument list.
  let min = Infinity;
  let max = 0;
  for (const s of drawn) for (const v of s.samplesMs) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, Number.isFinite(min) ? min : 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, max)));
  const px = (ms: number) => M.left + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - M.left - M.right);
  const py = (share: number) => H - M.bottom - share * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let x = lo; x <= hi; x *= 10) {
    parts.push(`<line x1="${px(x)}" y1="${py(0)}" x2="${px(x)}" y2="${py(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${px(x)}" y="${py(0) + 16}" text-anchor="middle">${fmtMs(x)}</text>`);
    for (const m of [2, 5]) if (x * m < hi) parts.push(`<line x1="${px(x * m)}" y1="${py(0)}" x2="${px(x * m)}" y2="${py(1)}" stroke="#f2f2f2"/>`);
  }
  for (const share of [0, 0.25, 0.5, 0.75, 0.95, 1]) {
    parts.push(`<line x1="${px(lo)}" y1="${py(share)}" x2="${px(hi)}" y2="${py(share)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${py(share) + 4}" text-anchor="end">${Math.round(share * 100)}%</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">time after the first publish / the CreateJob call (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">devices that had their message</text>`);
  drawn.forEach((s, i) => {
    const sorted = [...s.samplesMs].sort((a, b) => a - b);
    // At most ~400 points per curve: plenty for 720 px.
    const every = Math.max(1, Math.floor(sorted.length / 400));
    const points: string[] = [];
    sorted.forEach((v, k) => {
      if (k % every === 0 || k === sorted.length - 1) points.push(`${px(v).toFixed(1)},${py((k + 1) / sorted.length).toFixed(1)}`);
    });
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    // Legend in the bottom-right corner, below where the curves have risen.
    const ly = py(0) - 14 - (drawn.length - 1 - i) * 18;
    parts.push(`<line x1="${W - 280}" y1="${ly}" x2="${W - 260}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${W - 254}" y="${ly + 4}">${esc(`${s.label} (n=${s.samplesMs.length})`)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
