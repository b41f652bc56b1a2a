// Serves the built renderer (out/renderer) to the browser.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Returns the file under `root` for a URL path; unknown paths get index.html (client-side routes). */
export async function staticFile(root: string, urlPath: string): Promise<{ mime: string; data: Buffer } | null> {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const path = join(root, relative);
  if (path !== root && !path.startsWith(root + sep)) return null;
  const file = relative === '' || !extname(relative) ? join(root, 'index.html') : path;
  const data = await readFile(file).catch(() => null);
  return data ? { mime: MIME[extname(file)] ?? 'application/octet-stream', data } : null;
}
