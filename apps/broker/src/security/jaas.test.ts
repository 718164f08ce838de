import { describe, expect, it } from 'vitest';
import { JaasSyntaxError, parseJaasConfig } from './jaas.js';

describe('parseJaasConfig', () => {
  it("reads Kafka's PLAIN line: module, flag and quoted user_ options", () => {
    const m = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="p@ss;w=rd";',
    );
    expect(m.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(m.controlFlag).toBe('required');
    expect(Object.fromEntries(m.options)).toEqual({
      username: 'admin',
      password: 'admin-secret',
      user_admin: 'admin-secret',
      user_alice: 'p@ss;w=rd',
    });
  });

  it('accepts unquoted words, single quotes, escapes, comments and line breaks', () => {
    const m = parseJaasConfig(`org.example.Module SUFFICIENT /* a comment */
      a=plain-word_1.$x // trailing comment
      b='single "quoted"' c="tab\\there \\"q\\"";`);
    expect(m.controlFlag).toBe('sufficient');
    expect(Object.fromEntries(m.options)).toEqual({ a: 'plain-word_1.$x', b: 'single "quoted"', c: 'tab\there "q"' });
  });

  it.each([
    ['', /login module not specified/],
    ['org.example.Module', /control flag not specified/],
    ['org.example.Module mandatory;', /invalid login module control flag 'mandatory'/],
    ['org.example.Module required a="1"', /not terminated by semi-colon/],
    ['org.example.Module required a=;', /value not specified for key 'a'/],
    ['org.example.Module required a;', /value not specified for key 'a'/],
    ['org.example.Module required a="unterminated;', /unterminated "-quoted value/],
    ['org.example.Module required; other.Module required;', /more than one login module/],
    ['"quoted" required;', /expected a login module class name/],
    ['org.example.Module required /* never closed', /unterminated \/\* comment/],
  ])('refuses %j', (text, message) => {
    expect(() => parseJaasConfig(text)).toThrow(JaasSyntaxError);
    expect(() => parseJaasConfig(text)).toThrow(message);
  });

  it('never puts an option value in its error messages', () => {
    try {
      parseJaasConfig('org.example.Module required user_bob="hunter2" oops');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});
