/**
 * The signed-in token. It lives in this tab's session storage only: never in a URL (which history, proxies and
 * Referer headers keep), never in local storage (which outlives the tab), never logged.
 */
const TOKEN_KEY = 'slipstream.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
