// A port range as the few value/mask pairs OpenFlow can match (tp_dst=0x1f40/0xfff0), like a CIDR cover of an address range.
import type { Masked } from '../../ovs/flow.js';

const PORT_BITS = 16;

/** The fewest prefixes whose union is exactly [first, last]. */
export function portRangeMasks(first: number, last: number): Masked[] {
  const masks: Masked[] = [];
  let start = first;
  while (start <= last) {
    // The largest aligned block starting at `start` that does not run past `last`.
    let size = start === 0 ? 2 ** PORT_BITS : start & -start;
    while (start + size - 1 > last) size /= 2;
    masks.push({ value: start, mask: (2 ** PORT_BITS - size) & 0xffff });
    start += size;
  }
  return masks;
}
