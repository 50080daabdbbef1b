import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './password';

describe('staff passwords (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain('correct');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('refuses malformed stored hashes instead of throwing', async () => {
    for (const stored of ['', 'plain', 'bcrypt$x', 'scrypt$a$b$c$d$e'])
      await expect(verifyPassword('whatever', stored)).resolves.toBe(false);
  });

  it('generates long passwords that pass the policy; refuses short ones', () => {
    const password = generatePassword();
    expect(password).toHaveLength(20);
    expect(passwordProblem(password)).toBeUndefined();
    expect(passwordProblem('short')).toMatch(/12/);
  });
});
