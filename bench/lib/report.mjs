// Console output: section headers, aligned key/value lines and the summary table.

export function printSection(title) {
  console.log(`\n== ${title} ==`);
}

/** Prints `[label, value]` pairs with the labels padded to one width. */
export function printLines(pairs) {
  const width = Math.max(...pairs.map(([label]) => label.length));
  for (const [label, value] of pairs) console.log(`  ${label.padEnd(width)}  ${value}`);
}

export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

export function formatMs(ms) {
  return `${fixed(ms, ms < 10 ? 2 : 1)} ms`;
}

export function formatUs(us) {
  return `${fixed(us, us < 10 ? 2 : 1)} µs`;
}

export function formatMBps(mbps) {
  return `${fixed(mbps, 0)} MB/s`;
}

/** Two decimals; ratios below 0.01 (aam in-process vs a spawned tool) keep two significant digits. */
export function formatRatio(ratio) {
  if (Number.isFinite(ratio) && ratio > 0 && ratio < 0.01) return `${Number(ratio.toPrecision(2))}x`;
  return `${fixed(ratio, 2)}x`;
}

/** Renders rows (arrays of strings) as a plain-text table with a header rule. */
export function formatTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * Summary rows are `{ benchmark, measure, aam, peer, ratio, target }`: `aam` and `peer` are formatted
 * figures, `ratio` is aam/peer (a number, or undefined when there is no peer), `target` a text such
 * as '>= 0.90' (optional) with `met` telling whether the ratio (or, for a row without a ratio such as
 * 'median < 20 µs', the figure) meets it.
 */
export function printSummary(rows) {
  const table = formatTable(
    ['benchmark', 'measure', 'aam', 'peer', 'ratio', 'target'],
    rows.map((r) => [
      r.benchmark,
      r.measure,
      r.aam,
      r.peer ?? '-',
      r.ratio === undefined ? '-' : formatRatio(r.ratio),
      r.target
        ? `${r.target} ${r.met ? 'ok' : r.ratio === undefined ? 'MISSED' : `MISSED (${fixed(r.ratio, 3)})`}`
        : '',
    ]),
  );
  console.log(table);
}
