import { describe, expect, it } from 'vitest';
import { REDACTED, redact, SCOPE_POLICY, validateScopes } from '../../../core/domain/context-policy.js';

describe('redact', () => {
  it.each([
    ['an AWS key', 'use AKIAIOSFODNN7EXAMPLE for the bucket', 'AKIAIOSFODNN7EXAMPLE'],
    ['a GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 works', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a bearer credential', 'curl -H "Authorization: Bearer abc.def-123456789"', 'abc.def-123456789'],
    ['a basic credential', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
    ['a password assignment', 'the db password=hunter2secret for now', 'hunter2secret'],
    ['a quoted api key', 'api_key: "k-live-000111222333"', 'k-live-000111222333'],
    ['credentials in a URL', 'postgres://admin:s3cr3t@db.internal:5432/app', 's3cr3t'],
    ['an OpenAI-style key', 'set sk-proj-0123456789abcdefABCDEF', 'sk-proj-0123456789abcdefABCDEF'],
    ['a private key', 'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n', 'MIIEowIBAAKCAQEA'],
  ])('removes %s and says it did', (_kind, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Refunds above 500 EUR need a second approver; the token bucket allows 5 requests per second.';
    expect(redact(text)).toBe(text);
  });
});

describe('validateScopes', () => {
  it('allows exactly what the policy gives a role in a phase, naming what is missing or extra', () => {
    expect(validateScopes('DEV', 'BUILD', SCOPE_POLICY.DEV.BUILD)).toMatchObject({ allowed: true, missing: [], extra: [] });
    const check = validateScopes('DEV', 'BUILD', ['CASE_HEADER', 'DECISIONS_ALL']);
    expect(check.allowed).toBe(false);
    expect(check.extra).toEqual(['DECISIONS_ALL']);
    expect(check.missing).toContain('PLAN_HEADER');
    expect(check.reason).toContain('DEV may not see DECISIONS_ALL in BUILD');
  });

  it('has a policy for every role of ours (upper case) in every phase', () => {
    for (const role of ['DEV', 'QA', 'ARCHITECT', 'DEVOPS', 'DATA'] as const) {
      expect(SCOPE_POLICY[role].BUILD.length).toBeGreaterThan(0);
    }
  });
});
