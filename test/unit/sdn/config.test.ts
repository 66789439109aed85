import { expect } from 'chai';
import fc from 'fast-check';
import { Cidr } from '../../../lib/net/ipv4.js';
import {
  ConfigError, type NetworkConfig, compareNetworkConfigs, parseNetworkConfig, serializeNetworkConfig,
} from '../../../lib/sdn/config.js';

const GOOD = {
  Name: 'k8ssdn', Network: '10.128.0.0/14', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16',
  PluginName: 'k8s-ovs-multitenant',
};

function text(overrides: Record<string, unknown>, drop: string[] = []): string {
  const value: Record<string, unknown> = { ...GOOD, ...overrides };
  for (const key of drop) delete value[key];
  return JSON.stringify(value);
}

function rejection(input: string): ConfigError {
  try {
    parseNetworkConfig(input);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${input}`);
}

describe('network config', () => {
  it('parses the original k8s-ovs config', () => {
    const config = parseNetworkConfig(JSON.stringify(GOOD));
    expect(config.name).to.equal('k8ssdn');
    expect(config.network.toString()).to.equal('10.128.0.0/14');
    expect(config.hostSubnetLength).to.equal(9);
    expect(config.serviceNetwork.toString()).to.equal('172.30.0.0/16');
    expect(config.plugin).to.equal('k8s-ovs-multitenant');
  });

  it('serializes back to the same JSON, keys in the original order', () => {
    expect(serializeNetworkConfig(parseNetworkConfig(JSON.stringify(GOOD)))).to.equal(JSON.stringify(GOOD));
  });

  it('reads keys case-insensitively, as Go did for hand-written values', () => {
    const config = parseNetworkConfig('{"name":"n","network":"10.0.0.0/8","hostsubnetlength":8,' +
      '"servicenetwork":"172.30.0.0/16","pluginname":"k8s-ovs-subnet"}');
    expect(config.plugin).to.equal('k8s-ovs-subnet');
  });

  const cases: Array<[string, string, string]> = [
    ['bad JSON', '{"Name":', '(json)'],
    ['a JSON array', '[]', '(json)'],
    ['a missing Name', text({}, ['Name']), 'Name'],
    ['a Name with a slash', text({ Name: 'a/b' }), 'Name'],
    ['an empty Name', text({ Name: '' }), 'Name'],
    ['a missing Network', text({}, ['Network']), 'Network'],
    ['a Network that is no CIDR', text({ Network: '10.128.0.0' }), 'Network'],
    ['a Network with host bits set', text({ Network: '10.129.0.0/14' }), 'Network'],
    ['a Network that is a number', text({ Network: 10 }), 'Network'],
    ['a missing HostSubnetLength', text({}, ['HostSubnetLength']), 'HostSubnetLength'],
    ['a HostSubnetLength given as a string', text({ HostSubnetLength: '9' }), 'HostSubnetLength'],
    ['a fractional HostSubnetLength', text({ HostSubnetLength: 9.5 }), 'HostSubnetLength'],
    ['a HostSubnetLength below 2', text({ HostSubnetLength: 1 }), 'HostSubnetLength'],
    ['a HostSubnetLength that is a prefix length', text({ HostSubnetLength: 23 }), 'HostSubnetLength'],
    ['a HostSubnetLength that leaves one node subnet', text({ HostSubnetLength: 18 }), 'HostSubnetLength'],
    ['a missing ServiceNetwork', text({}, ['ServiceNetwork']), 'ServiceNetwork'],
    ['a bad ServiceNetwork', text({ ServiceNetwork: '172.30.0.0/33' }), 'ServiceNetwork'],
    ['a ServiceNetwork inside the Network', text({ ServiceNetwork: '10.130.0.0/16' }), 'ServiceNetwork'],
    ['a ServiceNetwork containing the Network', text({ ServiceNetwork: '10.0.0.0/8' }), 'ServiceNetwork'],
    ['a missing PluginName', text({}, ['PluginName']), 'PluginName'],
    ['an unknown PluginName', text({ PluginName: 'redhat/openshift-ovs-multitenant' }), 'PluginName'],
    ['a PluginName that is not a string', text({ PluginName: true }), 'PluginName'],
  ];
  for (const [what, input, field] of cases) {
    it(`rejects ${what}, naming ${field}`, () => {
      const error = rejection(input);
      expect(error.field).to.equal(field);
      if (field !== '(json)') expect(error.message).to.contain(field);
    });
  }

  it('accepts the largest HostSubnetLength that still gives two node subnets', () => {
    expect(parseNetworkConfig(text({ HostSubnetLength: 17 })).hostSubnetLength).to.equal(17);
  });

  it('says which changes apply live and which need a restart', () => {
    const current = parseNetworkConfig(JSON.stringify(GOOD));
    const next = parseNetworkConfig(text({ ServiceNetwork: '172.31.0.0/16', HostSubnetLength: 8, PluginName: 'k8s-ovs-subnet' }));
    const changes = compareNetworkConfigs(current, next);
    expect(changes.live.map((change) => change.field)).to.deep.equal(['ServiceNetwork']);
    expect(changes.restart.map((change) => change.field)).to.deep.equal(['HostSubnetLength', 'PluginName']);
    expect(compareNetworkConfigs(current, current)).to.deep.equal({ live: [], restart: [] });
  });

  describe('properties', () => {
    const validConfig = fc.record({
      name: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/),
      prefix: fc.integer({ min: 8, max: 24 }),
      base: fc.integer({ min: 0, max: 0xffffffff }),
      plugin: fc.constantFrom('k8s-ovs-multitenant' as const, 'k8s-ovs-subnet' as const),
    }).chain(({ name, prefix, base, plugin }) => fc.integer({ min: 2, max: 31 - prefix }).map((hostSubnetLength): NetworkConfig => {
      const network = Cidr.of(base, prefix);
      // A service network just outside the cluster network, of the same size.
      const serviceNetwork = Cidr.of(network.base + network.size * (network.base + network.size >= 2 ** 32 ? -1 : 1), prefix);
      return { name, network, hostSubnetLength, serviceNetwork, plugin };
    }));

    it('parses whatever it serializes to an equal config', () => {
      fc.assert(fc.property(validConfig, (config) => {
        const parsed = parseNetworkConfig(serializeNetworkConfig(config));
        expect(serializeNetworkConfig(parsed)).to.equal(serializeNetworkConfig(config));
      }));
    });

    it('rejects arbitrary field values only with a ConfigError naming a config field', () => {
      const fields = ['Name', 'Network', 'HostSubnetLength', 'ServiceNetwork', 'PluginName'];
      fc.assert(fc.property(fc.constantFrom(...fields), fc.jsonValue(), (field, value) => {
        try {
          parseNetworkConfig(text({ [field]: value }));
        } catch (error) {
          expect(error).to.be.instanceOf(ConfigError);
          expect(fields).to.include((error as ConfigError).field);
        }
      }));
    });
  });
});
