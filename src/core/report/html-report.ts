// A self-contained HTML report: numbers, tables and image grids, with the images embedded as data URLs so
// the file can be mailed or archived on its own.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

export interface ReportImage {
  caption: string;
  /** A PNG or JPEG file on disk. */
  file: string;
}

export interface ReportTable {
  columns: string[];
  rows: (string | number)[][];
}

export interface ReportSection {
  title: string;
  paragraphs?: string[];
  numbers?: [label: string, value: string | number][];
  table?: ReportTable;
  images?: ReportImage[];
}

export interface Report {
  title: string;
  sections: ReportSection[];
}

const MIME_BY_EXTENSION: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function dataUrl(file: string): Promise<string> {
  const mime = MIME_BY_EXTENSION[extname(file).toLowerCase()];
  if (!mime) throw new Error(`cannot embed ${file} in the report: only PNG and JPEG images are supported`);
  return `data:${mime};base64,${(await readFile(file)).toString('base64')}`;
}

function cell(value: string | number): string {
  return escapeHtml(typeof value === 'number' ? formatNumber(value) : value);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

async function renderSection(section: ReportSection): Promise<string> {
  const parts = [`<section><h2>${escapeHtml(section.title)}</h2>`];
  for (const paragraph of section.paragraphs ?? []) parts.push(`<p>${escapeHtml(paragraph)}</p>`);
  if (section.numbers?.length) {
    parts.push('<dl>', ...section.numbers.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${cell(value)}</dd>`), '</dl>');
  }
  if (section.table) {
    const head = section.table.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
    const body = section.table.rows.map((row) => `<tr>${row.map((value) => `<td>${cell(value)}</td>`).join('')}</tr>`).join('\n');
    parts.push(`<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`);
  }
  if (section.images?.length) {
    parts.push('<div class="images">');
    for (const image of section.images) {
      parts.push(`<figure><img src="${await dataUrl(image.file)}" alt="${escapeHtml(image.caption)}"><figcaption>${escapeHtml(image.caption)}</figcaption></figure>`);
    }
    parts.push('</div>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}dt{color:#555}dd{margin:0;font-variant-numeric:tabular-nums}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-variant-numeric:tabular-nums}
.images{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}img{image-rendering:pixelated;width:256px;border:1px solid #ccc}
figcaption{font-size:.85em;color:#555;max-width:256px}`;

/** Renders the report; no network access is needed to view it (strict CSP: images are data URLs only). */
export async function renderHtmlReport(report: Report): Promise<string> {
  const sections = await Promise.all(report.sections.map(renderSection));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${escapeHtml(report.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(report.title)}</h1>
${sections.join('\n')}
</body></html>
`;
}

export async function writeHtmlReport(file: string, report: Report): Promise<void> {
  await writeFileAtomic(file, await renderHtmlReport(report));
}
