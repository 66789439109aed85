// Bandwidth from pod annotations and runtimeConfig: quantities, both key spellings, burst defaults.
import { expect } from 'chai';
import {
  BandwidthError, EGRESS_ANNOTATION, INGRESS_ANNOTATION, MIN_BURST_BITS, effectiveBandwidth, effectiveBurstBits,
  parseBandwidthAnnotations, parseBandwidthQuantity, parseRuntimeBandwidth,
} from '../../../../lib/sdn/cni/bandwidth.js';

describe('bandwidth', function () {
  describe('Kubernetes quantities', function () {
    const valid: Array<[string, number]> = [
      ['1000', 1_000], ['500k', 500_000], ['10M', 10_000_000], ['1G', 1_000_000_000], ['2T', 2e12], ['1P', 1e15],
      ['1.5M', 1_500_000], ['1.1M', 1_100_000], ['.5M', 500_000], ['100Mi', 104_857_600], ['1Ki', 1_024],
      ['1Gi', 1_073_741_824], ['1e6', 1_000_000], ['25E5', 2_500_000], ['1E3', 1_000], ['+10M', 10_000_000],
      ['2000000m', 2_000], ['1000.5', 1_001], ['10.M', 10_000_000],
    ];
    for (const [text, bps] of valid) {
      it(`reads "${text}" as ${bps} bit/s`, function () {
        expect(parseBandwidthQuantity(text, 'test')).to.equal(bps);
      });
    }

    const invalid = ['', '10 M', ' 10M', '10m/s', '-10M', '10MB', '1e', 'M', '10K', 'ten', '1.2.3M', '0x10', '1Ki1',
      '999', '1E', '2P', '1Ei', '1e999999999'];
    for (const text of invalid) {
      it(`rejects "${text}" naming the field and the value`, function () {
        expect(() => parseBandwidthQuantity(text, `annotation ${INGRESS_ANNOTATION}`))
          .to.throw(BandwidthError, new RegExp(`annotation kubernetes.io/ingress-bandwidth: ${JSON.stringify(text)}`));
      });
    }
  });

  describe('annotations', function () {
    it('reads each direction with the default burst', function () {
      expect(parseBandwidthAnnotations({ [INGRESS_ANNOTATION]: '10M', [EGRESS_ANNOTATION]: '1G', other: 'x' })).to.deep.equal({
        ingress: { rateBps: 10_000_000, burstBits: 1_000_000 },
        egress: { rateBps: 1_000_000_000, burstBits: 100_000_000 },
      });
    });

    it('means no limit when the annotations are absent', function () {
      expect(parseBandwidthAnnotations(undefined)).to.deep.equal({});
      expect(parseBandwidthAnnotations({ [EGRESS_ANNOTATION]: '1M' })).to.have.keys(['egress']);
    });

    it('names the annotation of a bad value', function () {
      expect(() => parseBandwidthAnnotations({ [EGRESS_ANNOTATION]: 'fast' }))
        .to.throw(BandwidthError, /kubernetes.io\/egress-bandwidth: "fast"/);
    });
  });

  describe('runtimeConfig.bandwidth', function () {
    const table: Array<[string, unknown, unknown]> = [
      ['convention keys', { ingressRate: 8_000_000, ingressBurst: 400_000, egressRate: 16_000_000, egressBurst: 800_000 },
        { ingress: { rateBps: 8_000_000, burstBits: 400_000 }, egress: { rateBps: 16_000_000, burstBits: 800_000 } }],
      ['containerd 1.6 keys with its unbounded burst', { IngressRate: 10_000_000, IngressBurst: 4294967295 },
        { ingress: { rateBps: 10_000_000, burstBits: 1_000_000 } }],
      ['both spellings agreeing', { ingressRate: 5_000_000, IngressRate: 5_000_000 },
        { ingress: { rateBps: 5_000_000, burstBits: 500_000 } }],
      ['rate 0 as no limit', { ingressRate: 0, ingressBurst: 1000, egressRate: 0 }, {}],
      ['a burst above one second of traffic, clamped', { egressRate: 1_000_000, egressBurst: 50_000_000 },
        { egress: { rateBps: 1_000_000, burstBits: 1_000_000 } }],
      ['a burst below ten frames, raised', { egressRate: 1_000_000, egressBurst: 8 },
        { egress: { rateBps: 1_000_000, burstBits: MIN_BURST_BITS } }],
      ['nothing', undefined, {}],
    ];
    for (const [name, input, expected] of table) {
      it(`reads ${name}`, function () {
        expect(parseRuntimeBandwidth(input)).to.deep.equal(expected);
      });
    }

    const bad: Array<[string, unknown, RegExp]> = [
      ['a negative rate', { ingressRate: -1 }, /runtimeConfig.bandwidth.ingressRate: -1/],
      ['a fractional burst', { egressRate: 1_000_000, egressBurst: 1.5 }, /egressBurst: 1.5/],
      ['a string rate', { EgressRate: '10M' }, /EgressRate: "10M"/],
      ['disagreeing spellings', { ingressRate: 1_000_000, IngressRate: 2_000_000 }, /disagree/],
      ['a rate below 1 kbit/s', { ingressRate: 10 }, /ingressRate: "10" is outside/],
      ['a list', [], /is not an object/],
    ];
    for (const [name, input, message] of bad) {
      it(`rejects ${name}`, function () {
        expect(() => parseRuntimeBandwidth(input)).to.throw(BandwidthError, message);
      });
    }
  });

  it('keeps the first second within 110% of the rate when the runtime asks for an unbounded burst', function () {
    const rate = 10_000_000;
    const burst = effectiveBurstBits(rate, 4294967295);
    expect(rate + burst).to.be.at.most(rate * 1.1);
  });

  it('prefers the runtime value per direction over the annotation', function () {
    const runtime = parseRuntimeBandwidth({ ingressRate: 1_000_000 });
    const annotations = parseBandwidthAnnotations({ [INGRESS_ANNOTATION]: '5M', [EGRESS_ANNOTATION]: '2M' });
    expect(effectiveBandwidth(runtime, annotations)).to.deep.equal({
      ingress: { rateBps: 1_000_000, burstBits: 120_000 },
      egress: { rateBps: 2_000_000, burstBits: 200_000 },
    });
  });
});
