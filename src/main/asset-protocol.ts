// selfguide-asset://<thumb|preview>/<image id>: project images for the renderer, looked up by id
// in the store, so no path outside the project's registered images can be requested.
import { protocol, type CustomScheme } from 'electron';
import { AssetKind } from '../shared/api.ts';
import { ASSET_PROTOCOL } from '../shared/bridge.ts';
import { readAsset } from '../core/library/assets.ts';
import type { Project } from '../core/project/project.ts';

export const ASSET_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: ASSET_PROTOCOL,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

export function registerAssetProtocol(project: Project): void {
  protocol.handle(ASSET_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    const kind = AssetKind.safeParse(url.hostname);
    const id = Number(url.pathname.slice(1));
    const asset = kind.success && Number.isInteger(id) && id > 0 ? await readAsset(project, kind.data, id) : null;
    if (!asset) return new Response('no such image in this project', { status: 404 });
    return new Response(new Uint8Array(asset.data), { headers: { 'content-type': asset.mime } });
  });
}
