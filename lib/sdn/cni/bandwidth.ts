// Pod bandwidth limits from the CNI runtimeConfig and the kubernetes.io/*-bandwidth annotations.
// Directions are the pod's: ingress is traffic into the pod, egress is traffic it sends.

export interface BandwidthLimit {
  /** Sustained rate in bit/s. */
  rateBps: number;
  /** Bucket size in bits: how much may pass at line rate before the limit bites. */
  burstBits: number;
}

export interface PodBandwidth {
  ingress?: BandwidthLimit;
  egress?: BandwidthLimit;
}

export class BandwidthError extends Error {
  override name = 'BandwidthError';
}

export const INGRESS_ANNOTATION = 'kubernetes.io/ingress-bandwidth';
export const EGRESS_ANNOTATION = 'kubernetes.io/egress-bandwidth';

/** kubelet rejects rates outside 1 kbit/s .. 1 Pbit/s; we apply the same bounds to every source. */
export const MIN_RATE_BPS = 1_000;
export const MAX_RATE_BPS = 1e15;

/** Ten 1500-byte frames: a bucket smaller than a frame would drop every full-size packet. */
export const MIN_BURST_BITS = 10 * 1500 * 8;
/** Without a burst, allow 100 ms of traffic at the rate. */
export const DEFAULT_BURST_SECONDS = 0.1;
/** An explicit burst is capped at one second of traffic at the rate. */
export const MAX_BURST_SECONDS = 1;
/**
 * containerd sends 2^32-1 ("no burst given") with every annotation-derived limit. Taken literally,
 * a 10 Mbit/s pod ran its first second at 1.99 Gbit/s (kubernetes #90838), so it means "default".
 */
export const UNBOUNDED_BURST_BITS = 4294967295;

/** The burst we use: default when unset or unbounded, else clamped to [MIN, one second of rate]. */
export function effectiveBurstBits(rateBps: number, requested: number | undefined): number {
  const cap = Math.max(MIN_BURST_BITS, Math.ceil(rateBps * MAX_BURST_SECONDS));
  if (requested === undefined || requested === 0 || requested >= UNBOUNDED_BURST_BITS) {
    return Math.max(MIN_BURST_BITS, Math.ceil(rateBps * DEFAULT_BURST_SECONDS));
  }
  return Math.min(cap, Math.max(MIN_BURST_BITS, requested));
}

const QUANTITY = /^(\+?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E)?$/;
const DECIMAL_SUFFIX: Record<string, number> = { m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * A Kubernetes quantity ("10M", "1.5G", "100Mi", "1e6", "500k") as a whole number of bit/s,
 * rounded up like resource.Quantity.Value(). Exact: decimal digits are scaled with BigInt.
 */
export function parseBandwidthQuantity(text: string, field: string): number {
  const match = typeof text === 'string' && text.length <= 64 ? QUANTITY.exec(text) : null;
  if (!match) {
    throw new BandwidthError(`${field}: ${JSON.stringify(text)} is not a bandwidth quantity `
      + '(examples: 500k, 10M, 1G, 100Mi; plain numbers are bit/s)');
  }
  const [, , number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let exp10 = -fraction.length;
  let exp2 = 0;
  if (suffix in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[suffix] ?? 0;
  else if (suffix in DECIMAL_SUFFIX) exp10 += DECIMAL_SUFFIX[suffix] ?? 0;
  else exp10 += Number(suffix.slice(1));
  if (Math.abs(exp10) > 64) throw outOfRange(field, text);
  let numerator = BigInt((whole + fraction) || '0') * 2n ** BigInt(exp2);
  let denominator = 1n;
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10);
  else denominator = 10n ** BigInt(-exp10);
  const value = (numerator + denominator - 1n) / denominator;
  if (value < BigInt(MIN_RATE_BPS) || value > BigInt(MAX_RATE_BPS)) throw outOfRange(field, text);
  return Number(value);
}

function outOfRange(field: string, text: string): BandwidthError {
  return new BandwidthError(`${field}: ${JSON.stringify(text)} is outside the accepted range `
    + `${MIN_RATE_BPS} bit/s (1k) .. ${MAX_RATE_BPS} bit/s (1P)`);
}

/** Limits from the pod's annotations; absent annotations mean no limit in that direction. */
export function parseBandwidthAnnotations(annotations: Readonly<Record<string, string>> | undefined): PodBandwidth {
  const result: PodBandwidth = {};
  const ingress = annotations?.[INGRESS_ANNOTATION];
  const egress = annotations?.[EGRESS_ANNOTATION];
  if (ingress !== undefined) {
    const rateBps = parseBandwidthQuantity(ingress, `annotation ${INGRESS_ANNOTATION}`);
    result.ingress = { rateBps, burstBits: effectiveBurstBits(rateBps, undefined) };
  }
  if (egress !== undefined) {
    const rateBps = parseBandwidthQuantity(egress, `annotation ${EGRESS_ANNOTATION}`);
    result.egress = { rateBps, burstBits: effectiveBurstBits(rateBps, undefined) };
  }
  return result;
}

type BandwidthKey = 'ingressRate' | 'ingressBurst' | 'egressRate' | 'egressBurst';

/**
 * `runtimeConfig.bandwidth` per the CNI conventions (rates bit/s, bursts bits, 0 = no limit).
 * containerd 1.6 capitalizes the keys (IngressRate...); both spellings are read, and
 * disagreeing values for one key are rejected rather than guessed.
 */
export function parseRuntimeBandwidth(value: unknown, field = 'runtimeConfig.bandwidth'): PodBandwidth {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BandwidthError(`${field}: ${JSON.stringify(value)} is not an object`);
  }
  const record = value as Record<string, unknown>;
  const read = (key: BandwidthKey): number | undefined => {
    const capitalized = key[0]?.toUpperCase() + key.slice(1);
    const lower = bitsField(record[key], `${field}.${key}`);
    const upper = bitsField(record[capitalized], `${field}.${capitalized}`);
    if (lower !== undefined && upper !== undefined && lower !== upper) {
      throw new BandwidthError(`${field}: ${key}=${lower} and ${capitalized}=${upper} disagree`);
    }
    return lower ?? upper;
  };
  const result: PodBandwidth = {};
  const ingress = direction(read('ingressRate'), read('ingressBurst'), `${field}.ingressRate`);
  const egress = direction(read('egressRate'), read('egressBurst'), `${field}.egressRate`);
  if (ingress) result.ingress = ingress;
  if (egress) result.egress = egress;
  return result;
}

function bitsField(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BandwidthError(`${field}: ${JSON.stringify(value)} is not a non-negative whole number of bits`);
  }
  return value;
}

function direction(rate: number | undefined, burst: number | undefined, field: string): BandwidthLimit | undefined {
  if (rate === undefined || rate === 0) return undefined;
  if (rate < MIN_RATE_BPS || rate > MAX_RATE_BPS) throw outOfRange(field, String(rate));
  return { rateBps: rate, burstBits: effectiveBurstBits(rate, burst) };
}

/** Per direction, the runtime's value wins: it is what the runtime derived for this sandbox. */
export function effectiveBandwidth(fromRuntime: PodBandwidth, fromAnnotations: PodBandwidth): PodBandwidth {
  const result: PodBandwidth = {};
  const ingress = fromRuntime.ingress ?? fromAnnotations.ingress;
  const egress = fromRuntime.egress ?? fromAnnotations.egress;
  if (ingress) result.ingress = ingress;
  if (egress) result.egress = egress;
  return result;
}
