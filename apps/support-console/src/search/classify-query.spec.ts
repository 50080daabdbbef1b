import { classifyQuery, describeQuery } from './classify-query';

describe('classifyQuery', () => {
  it.each(['0931234567', '+380931234567', '+38 (093) 123-45-67', '380931234567'])('%p is a phone', (text) => {
    expect(classifyQuery(text)).toEqual({ kind: 'PHONE', phone: '+380931234567' });
  });

  it('takes e-prescription and referral numbers with or without dashes', () => {
    expect(classifyQuery(' 0000-k8k5-5mte-352h ')).toEqual({ kind: 'NUMBER', number: '0000-K8K5-5MTE-352H' });
    expect(classifyQuery('1234567890ABCDEF')).toEqual({ kind: 'NUMBER', number: '1234567890ABCDEF' });
  });

  it('takes an id as either an event or a person id', () => {
    expect(classifyQuery('6F1B6D2C-1111-4A6B-9C55-0123456789AB')).toEqual({
      kind: 'ID',
      id: '6f1b6d2c-1111-4a6b-9c55-0123456789ab',
    });
  });

  it.each(['', '   ', 'Коваленко', '12345'])('does not guess at %p', (text) => {
    expect(['EMPTY', 'UNRECOGNISED']).toContain(classifyQuery(text).kind);
  });

  it('describes a phone only masked, and repeats nothing it did not recognise', () => {
    expect(describeQuery(classifyQuery('0931234567'))).toEqual({ kind: 'PHONE', shown: '+38093*****67' });
    for (const mistyped of ['093123456', '09312345678', '3809312345678'])
      expect(describeQuery(classifyQuery(mistyped))).toEqual({ kind: 'UNRECOGNISED' });
    expect(classifyQuery('0000123456789012')).toEqual({ kind: 'NUMBER', number: '0000123456789012' });
  });
});
