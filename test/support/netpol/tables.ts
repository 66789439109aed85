// The expected truth tables of the upstream cases, transcribed from their reachability.Expect* calls
// (network_policy.go) over the nine-pod model; each comment quotes those calls. Rows send, columns
// receive; "." connected, "X" blocked. Several cases share a table.
import { table } from './matrix.js';

/** NewReachability(all, true) and nothing else. */
export const ALL_CONNECTED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a . . . . . . . . .
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectPeer({}, {ns: x}, false) */
export const TO_X_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X . . . . . .
    x/b X X X . . . . . .
    x/c X X X . . . . . .
    y/a X X X . . . . . .
    y/b X X X . . . . . .
    y/c X X X . . . . . .
    z/a X X X . . . . . .
    z/b X X X . . . . . .
    z/c X X X . . . . . .
`;

/** ExpectPeer({}, {ns: x}, false); ExpectPeer({ns: x}, {}, false) */
export const X_CUT_OFF = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X X X X X X X
    x/b X X X X X X X X X
    x/c X X X X X X X X X
    y/a X X X . . . . . .
    y/b X X X . . . . . .
    y/c X X X . . . . . .
    z/a X X X . . . . . .
    z/b X X X . . . . . .
    z/c X X X . . . . . .
`;

/** ExpectPeer({ns: y}, {ns: x}, false); ExpectPeer({ns: z}, {ns: x}, false) */
export const TO_X_ONLY_FROM_X = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a . . . . . . . . .
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a X X X . . . . . .
    y/b X X X . . . . . .
    y/c X X X . . . . . .
    z/a X X X . . . . . .
    z/b X X X . . . . . .
    z/c X X X . . . . . .
`;

/** ExpectAllIngress(x/a, true); ExpectAllIngress(x/b, false); ExpectAllIngress(x/c, false) */
export const TO_XB_XC_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a . X X . . . . . .
    x/b . X X . . . . . .
    x/c . X X . . . . . .
    y/a . X X . . . . . .
    y/b . X X . . . . . .
    y/c . X X . . . . . .
    z/a . X X . . . . . .
    z/b . X X . . . . . .
    z/c . X X . . . . . .
`;

/** ExpectAllIngress(x/a, false), or ExpectPeer({}, {ns: x, pod: a}, false) */
export const TO_XA_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b X . . . . . . . .
    x/c X . . . . . . . .
    y/a X . . . . . . . .
    y/b X . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectAllIngress(x/a, false); Expect(x/b, x/a, true) */
export const TO_XA_ONLY_FROM_XB = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b . . . . . . . . .
    x/c X . . . . . . . .
    y/a X . . . . . . . .
    y/b X . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectAllIngress(x/a, false); Expect(x/b, x/a, true); Expect(x/c, x/a, true) */
export const TO_XA_ONLY_FROM_XB_XC = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a X . . . . . . . .
    y/b X . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectAllIngress(x/a, false); Expect(y/a, x/a, true) */
export const TO_XA_ONLY_FROM_YA = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b X . . . . . . . .
    x/c X . . . . . . . .
    y/a . . . . . . . . .
    y/b X . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectPeer({ns: x}, {ns: x, pod: a}, false); ExpectPeer({ns: z}, {ns: x, pod: a}, false)
 * (also written ExpectAllIngress(x/a, false); ExpectPeer({ns: y}, {}, true)) */
export const TO_XA_ONLY_FROM_Y = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b X . . . . . . . .
    x/c X . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** Expect(x/a, x/a, false); Expect(x/c, x/a, false) */
export const TO_XA_NOT_FROM_XA_XC = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b . . . . . . . . .
    x/c X . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllIngress(x/a, false); Expect(y/b, x/a, true); Expect(z/b, x/a, true) */
export const TO_XA_ONLY_FROM_YB_ZB = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b X . . . . . . . .
    x/c X . . . . . . . .
    y/a X . . . . . . . .
    y/b . . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b . . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectPeer({ns: x}, {ns: x, pod: a}, false); Expect(y/a, x/a, false); Expect(z/a, x/a, false) */
export const TO_XA_ONLY_FROM_B_C_OUTSIDE_X = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . . . . . . . .
    x/b X . . . . . . . .
    x/c X . . . . . . . .
    y/a X . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a X . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectPeer({ns: x}, {}, false) */
export const FROM_X_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X X X X X X X
    x/b X X X X X X X X X
    x/c X X X X X X X X X
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllEgress(x/a, false) */
export const FROM_XA_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X X X X X X X
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllEgress(x/a, false); Expect(x/a, y/a, true) */
export const FROM_XA_ONLY_TO_YA = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X . X X X X X
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllEgress(x/a, false); Expect(x/a, y/b, true) */
export const FROM_XA_ONLY_TO_YB = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X X . X X X X
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllEgress(x/a, false); Expect(x/a, x/b, true) */
export const FROM_XA_ONLY_TO_XB = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X . X X X X X X X
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** Expect(x/a, x/b, false) */
export const XA_TO_XB_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a . X . . . . . . .
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectPeer({ns: x, pod: a}, {ns: y}, false) */
export const XA_TO_Y_BLOCKED = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a . . . X X X . . .
    x/b . . . . . . . . .
    x/c . . . . . . . . .
    y/a . . . . . . . . .
    y/b . . . . . . . . .
    y/c . . . . . . . . .
    z/a . . . . . . . . .
    z/b . . . . . . . . .
    z/c . . . . . . . . .
`;

/** ExpectAllIngress(x/a, false); ExpectAllEgress(x/a, false); Expect(x/b, x/a, true) */
export const XA_CUT_OFF_BUT_FROM_XB = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X X X X X X X
    x/b . . . . . . . . .
    x/c X . . . . . . . .
    y/a X . . . . . . . .
    y/b X . . . . . . . .
    y/c X . . . . . . . .
    z/a X . . . . . . . .
    z/b X . . . . . . . .
    z/c X . . . . . . . .
`;

/** ExpectPeer({ns: x, pod: a}, {}, false); ExpectPeer({}, {ns: y, pod: a}, false);
 * ExpectPeer({ns: x, pod: a}, {ns: y, pod: a}, true); ExpectPeer({}, {ns: y, pod: b}, false) */
export const XA_ONLY_TO_YA_YB_CUT_OFF = table`
    - x/a x/b x/c y/a y/b y/c z/a z/b z/c
    x/a X X X . X X X X X
    x/b . . . X X . . . .
    x/c . . . X X . . . .
    y/a . . . X X . . . .
    y/b . . . X X . . . .
    y/c . . . X X . . . .
    z/a . . . X X . . . .
    z/b . . . X X . . . .
    z/c . . . X X . . . .
`;
