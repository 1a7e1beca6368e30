// The model table of the Getting Started walkthrough (media/walkthrough/model.md), made from
// models/catalog.json so the page and the catalog cannot drift: scripts/walkthrough-models.ts
// rewrites it, test/unit/walkthrough.test.ts fails when the page differs from what this renders.
import type { CatalogEntry } from '../../src/inference/models/catalog';
import { formatBytes } from '../../src/inference/models/disk';
import { DEVICE_LABELS } from '../../src/extension/status-text';

export const TABLE_START = '<!-- catalog table: made by `npx tsx scripts/walkthrough-models.ts`; do not edit by hand -->';
export const TABLE_END = '<!-- end of catalog table -->';

function licence(entry: CatalogEntry): string {
  const use = entry.license.commercialUse === false ? 'non-commercial' : entry.license.commercialUse === true ? 'commercial use allowed' : 'not checked: read it first';
  return `[${entry.license.name}](${entry.license.url}) (${use})`;
}

function fits(entry: CatalogEntry): string {
  const labels: Readonly<Record<string, string>> = DEVICE_LABELS;
  const devices = entry.devices.map((d) => labels[d] ?? d).join(', ');
  return entry.precision === 'fp16' ? `GPU: ${devices}` : `CPU and GPU: ${devices}`;
}

/** The Markdown table of the downloadable text-to-image models (preview decoders are fetched along). */
export function renderModelTable(models: readonly CatalogEntry[]): string {
  const rows = models
    .filter((m) => m.kind === 'pipeline')
    .map((m) => `| ${m.name} | \`${m.id}\` | ~${formatBytes(m.approxDownloadBytes)} | ${m.precision} | ${fits(m)} | ${licence(m)} |`);
  return [
    '| Model | Id | Download | Precision | Runs on | Licence |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** `page` with the text between the markers replaced by `table`; an error when a marker is missing. */
export function withModelTable(page: string, table: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('media/walkthrough/model.md lacks the catalog table markers');
  return `${page.slice(0, start + TABLE_START.length)}\n${table}\n${page.slice(end)}`;
}
