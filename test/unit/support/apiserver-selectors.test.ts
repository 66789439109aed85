// Label and field selector grammar of the test API server.
import { expect } from 'chai';
import { ApiError } from '../../support/apiserver/api-error.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../support/apiserver/selectors.js';

const labelsMatch = (selector: string, labels?: Record<string, string>) => matchesLabels(parseLabelSelector(selector), labels);

describe('test API server selectors', function () {
  it('selects everything with an empty label selector', function () {
    expect(labelsMatch('', undefined)).to.equal(true);
    expect(labelsMatch('  ', { a: 'b' })).to.equal(true);
  });

  it('matches equality, inequality, existence and absence as the real server does', function () {
    const labels = { app: 'web', tier: 'front' };
    expect(labelsMatch('app=web', labels)).to.equal(true);
    expect(labelsMatch('app==web,tier=front', labels)).to.equal(true);
    expect(labelsMatch('app=db', labels)).to.equal(false);
    expect(labelsMatch('app!=db', labels)).to.equal(true);
    // A missing label satisfies != and notin.
    expect(labelsMatch('team!=red', labels)).to.equal(true);
    expect(labelsMatch('team notin (red)', labels)).to.equal(true);
    expect(labelsMatch('tier', labels)).to.equal(true);
    expect(labelsMatch('!tier', labels)).to.equal(false);
    expect(labelsMatch('!team', labels)).to.equal(true);
    expect(labelsMatch('app in (db, web)', labels)).to.equal(true);
    expect(labelsMatch('app notin (web)', labels)).to.equal(false);
    expect(labelsMatch('example.com/owner=me', { 'example.com/owner': 'me' })).to.equal(true);
    expect(labelsMatch('empty=', { empty: '' })).to.equal(true);
  });

  it('refuses malformed label selectors with 400 BadRequest', function () {
    for (const selector of ['a=b=c', 'a in b', 'a in (b', '=b', 'a b', 'bad key=1', 'a=-x-']) {
      expect(() => parseLabelSelector(selector), selector)
        .to.throw(ApiError)
        .with.property('code', 400);
    }
  });

  it('parses field selectors with =, == and != and backslash escapes', function () {
    expect(parseFieldSelector('spec.nodeName=node-1,metadata.name!=x,status.phase==Running')).to.deep.equal([
      { field: 'spec.nodeName', operator: '=', value: 'node-1' },
      { field: 'metadata.name', operator: '!=', value: 'x' },
      { field: 'status.phase', operator: '=', value: 'Running' },
    ]);
    expect(parseFieldSelector('metadata.name=a\\,b')).to.deep.equal([{ field: 'metadata.name', operator: '=', value: 'a,b' }]);
    expect(parseFieldSelector('spec.nodeName=')).to.deep.equal([{ field: 'spec.nodeName', operator: '=', value: '' }]);
    expect(() => parseFieldSelector('nonsense')).to.throw(ApiError).with.property('code', 400);
  });

  it('matches field values, an absent field comparing as empty', function () {
    const fields: Record<string, string> = { 'spec.nodeName': 'node-1' };
    const value = (field: string) => fields[field] ?? '';
    expect(matchesFields(parseFieldSelector('spec.nodeName=node-1'), value)).to.equal(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName!=node-1'), value)).to.equal(false);
    expect(matchesFields(parseFieldSelector('status.podIP='), value)).to.equal(true);
  });
});
