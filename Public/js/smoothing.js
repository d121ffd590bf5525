// TensorBoard's scalar smoothing: an exponential moving average, debiased so that the first points
// are not pulled towards zero. Non-finite values pass through; a constant series stays as it is.

/**
 * The smoothed copy of `values` for a weight in [0, 1), written into `into` when it is a
 * Float64Array of the same length (a slider moving every frame would otherwise allocate a copy of
 * every series each frame).
 */
export function smooth(values, weight, into = null) {
  const n = values.length;
  const out = into && into.length === n ? into : new Float64Array(n);
  if (n === 0) return out;
  let constant = true;
  for (let i = 1; i < n; i++) if (values[i] !== values[0]) { constant = false; break; }
  if (constant || weight <= 0) {
    for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  let last = 0;
  let power = 1; // weight ** (finite values so far), kept as a running product as the server does
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) { out[i] = v; continue; }
    last = last * weight + (1 - weight) * v;
    power *= weight;
    out[i] = weight >= 1 ? last : last / (1 - power);
  }
  return out;
}
