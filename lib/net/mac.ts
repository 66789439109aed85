// Ethernet MAC addresses as validated values.

/** A MAC address in lower-case colon-separated form, e.g. "0a:58:0a:80:00:05". */
export type Mac = string & { readonly __brand: 'Mac' };

export class MacError extends Error {
  override name = 'MacError';
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function parseMac(text: string, field = 'MAC address'): Mac {
  const mac = typeof text === 'string' ? text.toLowerCase() : '';
  if (!MAC.test(mac)) throw new MacError(`${field}: "${String(text)}" is not a MAC address (six colon-separated hex bytes)`);
  return mac as Mac;
}

/** The MAC address of six bytes. */
export function macOf(bytes: Uint8Array): Mac {
  if (bytes.length !== 6) throw new MacError(`a MAC address has 6 bytes, not ${bytes.length}`);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':') as Mac;
}
