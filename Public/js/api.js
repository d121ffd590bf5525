// The board's JSON API. Run and tag names travel only as query parameters (URLSearchParams
// encodes them); responses are parsed as JSON, never evaluated.

/**
 * The URL of `/api/<endpoint>` with `params` (an object; undefined values are left out). Values are
 * percent-encoded with encodeURIComponent (a space is %20, never "+", which the server keeps as "+").
 */
export function apiURL(endpoint, params = {}) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return `api/${endpoint}${parts.length ? `?${parts.join('&')}` : ''}`;
}

/** Fetches `/api/<endpoint>` as JSON; throws an Error with the server's message on a 4xx/5xx. */
export async function getJSON(endpoint, params = {}, options = {}) {
  const response = await fetch(apiURL(endpoint, params), { signal: options.signal, cache: 'no-store' });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch (_) { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response.json();
}
