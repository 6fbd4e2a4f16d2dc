/**
 * Minimal SVG plotting for the reports: scatter/line panels, heatmaps and contour plots,
 * composed into one document. Plain strings, no dependencies.
 */

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** Marker radius (default 3); 0 draws no markers. */
  radius?: number;
  opacity?: number;
  /** Connect the points with a line. */
  line?: boolean;
  /** A shaded range around the line: (x, low, high) per point, e.g. min–max over repeats. */
  band?: [number, number, number][];
  /** Vertical ranges (x, low, high), e.g. a 5–95 % spread drawn through each point. */
  ranges?: [number, number, number][];
}

export interface Panel {
  /** Returns the panel's SVG drawn into the box (x, y, width, height). */
  draw(x: number, y: number, width: number, height: number): string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step); i * step <= max + 1e-9 * step; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function extent(values: number[], pad = 0.05): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

function frame(title: string, xLabel: string, yLabel: string, x: number, y: number, w: number, h: number, xr: [number, number], yr: [number, number], px: (v: number) => number, py: (v: number) => number): string {
  const parts = [`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#333"/>`];
  for (const t of niceTicks(xr[0], xr[1])) parts.push(`<line x1="${px(t)}" y1="${y + h}" x2="${px(t)}" y2="${y + h + 4}" stroke="#333"/><text x="${px(t)}" y="${y + h + 15}" font-size="10" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of niceTicks(yr[0], yr[1])) parts.push(`<line x1="${x - 4}" y1="${py(t)}" x2="${x}" y2="${py(t)}" stroke="#333"/><line x1="${x}" y1="${py(t)}" x2="${x + w}" y2="${py(t)}" stroke="#eee"/><text x="${x - 6}" y="${py(t) + 3}" font-size="10" text-anchor="end">${fmt(t)}</text>`);
  parts.push(`<text x="${x + w / 2}" y="${y - 8}" font-size="12" font-weight="bold" text-anchor="middle">${esc(title)}</text>`);
  parts.push(`<text x="${x + w / 2}" y="${y + h + 30}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(${x - 42},${y + h / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join('');
}

/** A legend under the panel's x-axis label, so it never covers data; it wraps to a new row past `width`. */
function legend(x: number, y: number, entries: { name: string; mark: (cx: number, cy: number) => string }[], width = Infinity): string {
  const parts: string[] = [];
  let cx = x, cy = y;
  for (const e of entries) {
    const entryWidth = 24 + 6 * e.name.length;
    if (cx > x && cx + entryWidth > x + width) {
      cx = x;
      cy += 14;
    }
    parts.push(`${e.mark(cx, cy)}<text x="${cx + 14}" y="${cy + 4}" font-size="10">${esc(e.name)}</text>`);
    cx += entryWidth;
  }
  return parts.join('');
}

/** Scatter and line series on linear axes, with a legend. */
export function scatterPanel(options: { title: string; xLabel: string; yLabel: string; series: Series[]; zeroLine?: boolean }): Panel {
  return {
    draw(x, y, w, h) {
      const all = options.series.flatMap((s) => [...s.points, ...[...(s.band ?? []), ...(s.ranges ?? [])].flatMap(([bx, lo, hi]): [number, number][] => [[bx, lo], [bx, hi]])]);
      const xr = extent(all.map((p) => p[0])), yr = extent([...all.map((p) => p[1]), ...(options.zeroLine ? [0] : [])]);
      const px = (v: number) => x + ((v - xr[0]) / (xr[1] - xr[0])) * w;
      const py = (v: number) => y + h - ((v - yr[0]) / (yr[1] - yr[0])) * h;
      const parts = [frame(options.title, options.xLabel, options.yLabel, x, y, w, h, xr, yr, px, py)];
      if (options.zeroLine && yr[0] < 0 && yr[1] > 0) parts.push(`<line x1="${x}" y1="${py(0)}" x2="${x + w}" y2="${py(0)}" stroke="#999" stroke-dasharray="3,3"/>`);
      options.series.forEach((s) => {
        const band = (s.band ?? []).filter((b) => b.every(Number.isFinite));
        if (band.length > 1) {
          const outline = [...band.map(([bx, , hi]) => [bx, hi]), ...band.slice().reverse().map(([bx, lo]) => [bx, lo])];
          parts.push(`<polygon fill="${s.color}" fill-opacity="0.18" stroke="none" points="${outline.map(([bx, by]) => `${px(bx).toFixed(1)},${py(by).toFixed(1)}`).join(' ')}"/>`);
        }
        for (const [rx, lo, hi] of (s.ranges ?? []).filter((b) => b.every(Number.isFinite))) {
          parts.push(`<line x1="${px(rx).toFixed(1)}" y1="${py(lo).toFixed(1)}" x2="${px(rx).toFixed(1)}" y2="${py(hi).toFixed(1)}" stroke="${s.color}" stroke-width="1.2"/>`);
        }
        const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
        if (s.line && pts.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`);
        const r = s.radius ?? 3;
        if (r > 0) for (const p of pts) parts.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="${r}" fill="${s.color}" fill-opacity="${s.opacity ?? 1}"/>`);
      });
      parts.push(legend(x, y + h + 46, options.series.map((s) => ({ name: s.name, mark: (cx: number, cy: number) => `<circle cx="${cx + 5}" cy="${cy}" r="4" fill="${s.color}"/>` })), w + 60));
      return parts.join('');
    },
  };
}

/** Viridis-like colour ramp for t in [0, 1]. */
function ramp(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const u = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(u), stops.length - 2), f = u - i;
  const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** A matrix as coloured cells (row i from the top), with a colour bar. */
export function heatmapPanel(options: { title: string; xLabel: string; yLabel: string; matrix: number[][]; colorLabel: string; range?: [number, number] }): Panel {
  return {
    draw(x, y, w, h) {
      const rows = options.matrix.length, cols = options.matrix[0]?.length ?? 0;
      const values = options.matrix.flat().filter(Number.isFinite);
      const [lo, hi] = options.range ?? [Math.min(...values), Math.max(...values)];
      const gw = w - 50, cw = gw / cols, ch = h / rows;
      const parts: string[] = [];
      options.matrix.forEach((row, i) => row.forEach((v, j) => {
        parts.push(`<rect x="${(x + j * cw).toFixed(1)}" y="${(y + i * ch).toFixed(1)}" width="${(cw + 0.3).toFixed(1)}" height="${(ch + 0.3).toFixed(1)}" fill="${ramp((v - lo) / (hi - lo || 1))}"/>`);
      }));
      for (let j = 0; j < cols; j++) parts.push(`<text x="${x + (j + 0.5) * cw}" y="${y + h + 12}" font-size="9" text-anchor="middle">${j + 1}</text>`);
      for (let i = 0; i < rows; i++) parts.push(`<text x="${x - 4}" y="${y + (i + 0.5) * ch + 3}" font-size="9" text-anchor="end">${i + 1}</text>`);
      parts.push(`<text x="${x + gw / 2}" y="${y - 8}" font-size="12" font-weight="bold" text-anchor="middle">${esc(options.title)}</text>`);
      parts.push(`<text x="${x + gw / 2}" y="${y + h + 28}" font-size="11" text-anchor="middle">${esc(options.xLabel)}</text>`);
      parts.push(`<text transform="translate(${x - 24},${y + h / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(options.yLabel)}</text>`);
      const bx = x + gw + 12;
      for (let s = 0; s < 50; s++) parts.push(`<rect x="${bx}" y="${(y + h - ((s + 1) / 50) * h).toFixed(1)}" width="12" height="${(h / 50 + 0.5).toFixed(1)}" fill="${ramp(s / 49)}"/>`);
      parts.push(`<text x="${bx + 16}" y="${y + 8}" font-size="9">${fmt(hi)}</text><text x="${bx + 16}" y="${y + h}" font-size="9">${fmt(lo)}</text>`);
      parts.push(`<text transform="translate(${bx + 34},${y + h / 2}) rotate(90)" font-size="10" text-anchor="middle">${esc(options.colorLabel)}</text>`);
      return parts.join('');
    },
  };
}

/**
 * Contour lines (marching squares, linear interpolation on cell edges) of several fields on
 * one grid: values[i][j] at (xs[j], ys[i]). A field named '' draws no legend entry (several
 * fields of one kind share the first one's).
 */
export function contourPanel(options: { title: string; xLabel: string; yLabel: string; xs: number[]; ys: number[]; fields: { name: string; color: string; values: number[][] }[]; levels: number[]; markers?: Series[] }): Panel {
  return {
    draw(x, y, w, h) {
      const xr: [number, number] = [options.xs[0], options.xs[options.xs.length - 1]];
      const yr: [number, number] = [options.ys[0], options.ys[options.ys.length - 1]];
      const px = (v: number) => x + ((v - xr[0]) / (xr[1] - xr[0])) * w;
      const py = (v: number) => y + h - ((v - yr[0]) / (yr[1] - yr[0])) * h;
      const parts = [frame(options.title, options.xLabel, options.yLabel, x, y, w, h, xr, yr, px, py)];
      options.fields.forEach((f) => {
        const segments: string[] = [];
        for (const level of options.levels) {
          for (let i = 0; i + 1 < options.ys.length; i++) for (let j = 0; j + 1 < options.xs.length; j++) {
            const corners: [number, number, number][] = [
              [options.xs[j], options.ys[i], f.values[i][j]], [options.xs[j + 1], options.ys[i], f.values[i][j + 1]],
              [options.xs[j + 1], options.ys[i + 1], f.values[i + 1][j + 1]], [options.xs[j], options.ys[i + 1], f.values[i + 1][j]],
            ];
            const crossings: [number, number][] = [];
            for (let e = 0; e < 4; e++) {
              const [ax, ay, av] = corners[e], [bx, by, bv] = corners[(e + 1) % 4];
              if ((av < level) !== (bv < level)) {
                const t = (level - av) / (bv - av);
                crossings.push([ax + t * (bx - ax), ay + t * (by - ay)]);
              }
            }
            for (let c = 0; c + 1 < crossings.length; c += 2) {
              segments.push(`M${px(crossings[c][0]).toFixed(1)},${py(crossings[c][1]).toFixed(1)}L${px(crossings[c + 1][0]).toFixed(1)},${py(crossings[c + 1][1]).toFixed(1)}`);
            }
          }
        }
        parts.push(`<path d="${segments.join('')}" fill="none" stroke="${f.color}" stroke-width="1.2"/>`);
      });
      for (const s of options.markers ?? []) for (const p of s.points) parts.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="${s.radius ?? 4}" fill="${s.color}"/>`);
      parts.push(legend(x, y + h + 46, options.fields.filter((f) => f.name !== '').map((f) => ({ name: f.name, mark: (cx: number, cy: number) => `<line x1="${cx}" y1="${cy}" x2="${cx + 10}" y2="${cy}" stroke="${f.color}" stroke-width="2"/>` }))));
      return parts.join('');
    },
  };
}

/** Panels in a grid of `columns`, with a caption line at the top; `legendRows` makes room for legends that wrap. */
export function svgDocument(caption: string, panels: Panel[], columns = 2, panelWidth = 330, panelHeight = 230, legendRows = 1): string {
  const rows = Math.ceil(panels.length / columns);
  const cellW = panelWidth + 110, cellH = panelHeight + 95 + 14 * (legendRows - 1);
  // Wide enough for the caption's one line too (~7 px per character at 13 px sans-serif), so a one-panel figure does not cut it.
  const width = Math.max(columns * cellW, Math.ceil(caption.length * 7) + 20), height = rows * cellH + 30;
  const body = panels.map((p, i) => p.draw(70 + (i % columns) * cellW, 50 + Math.floor(i / columns) * cellH, panelWidth, panelHeight)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="13">${esc(caption)}</text>\n${body}\n</svg>\n`;
}
