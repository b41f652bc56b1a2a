// selfguide-asset://<thumb|preview>/<image id> and selfguide-asset://mask/<run>/<image id>: project images and segment maps for the renderer, looked up by id
// in the store, so no path outside the project's registered images can be requested.
import { protocol, type CustomScheme } from 'electron';
import { AssetKind } from '../shared/api.ts';
import { ASSET_PROTOCOL } from '../shared/bridge.ts';
import { readAsset } from '../core/library/assets.ts';
import { parseMaskPath, readMaskAsset } from '../core/labels/mask-asset.ts';
import { parseGenerationPath, readGenerationAsset } from '../core/sample/generation-asset.ts';
import { readPreviewAt } from '../core/train/run-files.ts';
import { readEvaluationGrid } from '../core/evaluate/evaluation-grid.ts';
import type { Project } from '../core/project/project.ts';

export const ASSET_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: ASSET_PROTOCOL,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

export function registerAssetProtocol(project: Project): void {
  protocol.handle(ASSET_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    if (url.hostname === 'generation') {
      const target = parseGenerationPath(url.pathname.slice(1));
      const image = target ? await readGenerationAsset(project, target.generationId, target.file) : null;
      if (!image) return new Response('no such generated image in this project', { status: 404 });
      return new Response(new Uint8Array(image.data), { headers: { 'content-type': image.mime, 'cache-control': 'no-store' } });
    }
    if (url.hostname === 'train') {
      const png = readPreviewAt(project, url.pathname.slice(1));
      if (!png) return new Response('no such preview of a training run in this project', { status: 404 });
      return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
    }
    if (url.hostname === 'evaluation') {
      const png = readEvaluationGrid(project, url.pathname.slice(1));
      if (!png) return new Response('no such sample grid of an evaluation in this project', { status: 404 });
      return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
    }
    if (url.hostname === 'mask') {
      const { runId, imageId } = parseMaskPath(url.pathname.slice(1));
      const mask = await readMaskAsset(project, runId, imageId);
      if (!mask) return new Response('no such segment map in this project', { status: 404 });
      return new Response(new Uint8Array(mask.data), { headers: { 'content-type': mask.mime } });
    }
    const kind = AssetKind.safeParse(url.hostname);
    const id = Number(url.pathname.slice(1));
    const asset = kind.success && Number.isInteger(id) && id > 0 ? await readAsset(project, kind.data, id) : null;
    if (!asset || 'missing' in asset) return new Response(asset?.missing ?? 'no such image in this project', { status: 404 });
    return new Response(new Uint8Array(asset.data), { headers: { 'content-type': asset.mime } });
  });
}
