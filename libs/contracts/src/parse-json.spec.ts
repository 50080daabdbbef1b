import { InvalidMessageError, parseJson } from './parse';

const reason = (raw: Buffer | string) => {
  try {
    parseJson(raw);
  } catch (error) {
    return (error as InvalidMessageError).reason;
  }
  return undefined;
};

describe('parseJson', () => {
  it('parses plain UTF-8 JSON, Ukrainian text included', () => {
    expect(parseJson(Buffer.from('{"name":"Олена","n":[1,2]}'))).toEqual({ name: 'Олена', n: [1, 2] });
  });

  it('drops prototype keys, written plainly or spelled with \\u escapes', () => {
    const plain = parseJson('{"a":1,"__proto__":{"polluted":true},"b":{"constructor":{"x":1}}}') as object;
    expect(plain).toEqual({ a: 1, b: {} });
    expect(Object.keys(plain)).toEqual(['a', 'b']);
    const escaped = parseJson('{"\\u005f_proto__":{"polluted":true},"c":2}') as object;
    expect(Object.keys(escaped)).toEqual(['c']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses what is not UTF-8, not JSON, empty or too large', () => {
    expect(reason(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe('INVALID_UTF8');
    expect(reason('{"a":')).toBe('INVALID_JSON');
    expect(reason(Buffer.alloc(65 * 1024, 0x20))).toBe('MESSAGE_TOO_LARGE');
    expect(() => parseJson(null)).toThrow(InvalidMessageError);
  });
});
