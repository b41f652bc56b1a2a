// The token `selfguide serve` prints in its URL. It is read once, kept for this tab, and taken out of
// the address bar so it does not end up in bookmarks, history or screenshots.
const STORAGE_KEY = 'selfguide.token';

export function takeSessionToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url);
    return fromUrl;
  }
  return window.sessionStorage.getItem(STORAGE_KEY);
}
