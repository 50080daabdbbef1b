import { redactSecrets } from './redaction';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('code 4821 sent to +380931234585, again 4821', ['4821', '+380931234585'])).toBe(
      'code **** sent to ****, again ****',
    );
  });

  it('hides a secret that contains another one whole', () => {
    expect(redactSecrets('phone 380931234585', ['1234', '380931234585'])).toBe('phone ****');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redactSecrets('a.b and axb', ['a.b'])).toBe('**** and axb');
    expect(redactSecrets('cost (1+2)*3', ['(1+2)*3'])).toBe('cost ****');
  });

  it('ignores empty secrets and leaves text without secrets as is', () => {
    expect(redactSecrets('nothing here', ['', 'absent'])).toBe('nothing here');
    expect(redactSecrets('nothing here', [])).toBe('nothing here');
  });

  it('redacts a code inside a rendered Ukrainian text', () => {
    const text = 'Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: 4821';
    expect(redactSecrets(text, ['4821'])).toBe('Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: ****');
  });
});
