// The plugin's HTTP/1.1 answer parser: what node:http's client accepted, it accepts; what it refused, it refuses.
import { expect } from 'chai';
import { PostError, parseAnswer } from '../../../lib/cniclient/unix-post.cjs';

const answer = (text: string) => Buffer.from(text, 'latin1');

function refusal(bytes: Buffer, final: boolean): PostError {
  try {
    parseAnswer(bytes, final);
  } catch (error) {
    expect(error).to.be.instanceOf(PostError);
    return error as PostError;
  }
  return expect.fail('parseAnswer accepted it');
}

describe('parseAnswer', function () {
  it('returns status and body framed by Content-Length, whatever follows', function () {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 3\r\nConnection: close\r\n\r\n{}\nextra';
    expect(parseAnswer(answer(text), false)).to.deep.equal({ status: 200, body: '{}\n' });
  });

  it('reads the body as UTF-8 and counts Content-Length in bytes', function () {
    const body = Buffer.from('{"msg":"é"}');
    const bytes = Buffer.concat([answer(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    expect(parseAnswer(bytes, true)).to.deep.equal({ status: 500, body: '{"msg":"é"}' });
  });

  it('waits for more while headers or body are incomplete, and calls an answer cut short by the close ECONNRESET', function () {
    for (const partial of ['', 'HTTP/1.1 200 OK\r\nContent-Le', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}']) {
      expect(parseAnswer(answer(partial), false)).to.equal(undefined);
      expect(refusal(answer(partial), true).code).to.equal('ECONNRESET');
    }
  });

  it('refuses what is not HTTP/1.x, or a body without a Content-Length (EPROTO)', function () {
    for (const text of ['SSH-2.0-OpenSSH\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\r\n{}', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n']) {
      expect(refusal(answer(text), false).code, text).to.equal('EPROTO');
    }
  });
});
