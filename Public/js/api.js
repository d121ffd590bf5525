// The board's JSON API. Run and tag names travel only as query parameters (URLSearchParams
// encodes them); responses are parsed as JSON (or, for scalar cards, viewed as Float64 columns
// after a JSON header), never evaluated.

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

/** Fetches `/api/<endpoint>`; throws an Error with the server's message on a 4xx/5xx. */
async function fetchOK(endpoint, params, options) {
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
  return response;
}

/** Fetches `/api/<endpoint>` as JSON; throws an Error with the server's message on a 4xx/5xx. */
export async function getJSON(endpoint, params = {}, options = {}) {
  return (await fetchOK(endpoint, params, options)).json();
}

/**
 * Fetches `/api/scalars` with `format=binary`: the JSON answer (an object, or an array for `runs=`)
 * with each series' `points` as `{wallTime, step, value[, smoothed]}` Float64Arrays viewing the
 * answer's columns in place, nothing parsed but the header.
 */
export async function getScalarColumns(params = {}, options = {}) {
  const buffer = await (await fetchOK('scalars', { ...params, format: 'binary' }, options)).arrayBuffer();
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const base = 4 + length;
  const attach = (series) => {
    const n = series.count;
    series.points = {};
    series.columns.forEach((name, k) => { series.points[name] = new Float64Array(buffer, base + series.offset + 8 * n * k, n); });
    return series;
  };
  return Array.isArray(header) ? header.map(attach) : attach(header);
}
