import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger';

/** A logger at debug level whose JSON lines are collected as text. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('test-app', 'debug', destination), text: () => lines.join('') };
}

const PHONE = '+380931234585';
const CODE = '73914826';

// The apps mask where they log; these guards catch what slips past that, so they are tested on their own.
describe('createLogger: the last guards before a log line', () => {
  it('never writes the values of code, phone and token keys, however deep in the logged object', () => {
    const { logger, text } = capturedLogger();
    logger.info(
      {
        verificationCode: CODE,
        phone: PHONE,
        command: { recipient: { phoneNumber: PHONE }, content: { code: CODE } },
        authorization: 'Bearer secret-token-value',
      },
      'sending',
    );
    expect(text()).not.toContain(CODE);
    expect(text()).not.toContain(PHONE);
    expect(text()).not.toContain('secret-token-value');
    expect(JSON.parse(text())).toMatchObject({ verificationCode: '[redacted]', phone: '[redacted]' });
  });

  it('masks phones in free text, in any common spelling, as +38093*****85', () => {
    const { logger, text } = capturedLogger();
    logger.warn(`provider rejected ${PHONE} and 380931234585`);
    const line = JSON.parse(text()) as { msg: string };
    expect(line.msg).toBe('provider rejected +38093*****85 and +38093*****85');
  });

  it('masks phones in error messages, also when they come through the Nest logger', () => {
    const { logger, text } = capturedLogger();
    new PinoNestLogger(logger).error(new Error(`no route to ${PHONE}`));
    expect(text()).not.toContain(PHONE);
    expect(text()).toContain('+38093*****85');
  });
});
