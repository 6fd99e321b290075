import { describe, expect, it } from 'vitest';

import { critiqueOutput, proposalOutput, toJsonSchema } from '../../../core/app/prompts/schemas.js';
import { closeTruncatedJson, parseModelOutput } from '../../../core/app/turns/model-output.js';

describe('closeTruncatedJson', () => {
  it('leaves complete JSON alone and drops trailing text after it', () => {
    expect(closeTruncatedJson('{"a":"x"}')).toBe('{"a":"x"}');
    expect(closeTruncatedJson('{"a":"x"}  trailing')).toBe('{"a":"x"}');
  });

  it('cuts back to the last complete member and closes what is open', () => {
    expect(JSON.parse(closeTruncatedJson('{"a":"x","b":"unfinished str'))).toEqual({ a: 'x' });
    expect(JSON.parse(closeTruncatedJson('{"a":"x","list":["one","tw'))).toEqual({ a: 'x', list: ['one'] });
    expect(JSON.parse(closeTruncatedJson('{"a":"x, \\"quoted\\", y","b'))).toEqual({ a: 'x, "quoted", y' });
    expect(JSON.parse(closeTruncatedJson('{"summ'))).toEqual({});
  });
});

describe('parseModelOutput', () => {
  it('fills sections lost to truncation with defaults', () => {
    const value = parseModelOutput(proposalOutput, '{"summary":"short","approach":"do it","risks":"no', 'proposal');
    expect(value).toEqual({ summary: 'short', approach: 'do it', risks: '', requirements: [] });
  });

  it('names the field when output does not fit the schema', () => {
    expect(() => parseModelOutput(critiqueOutput, '{"feedback": 3}', 'critique by qa-1')).toThrow(
      /critique by qa-1: model output field feedback/,
    );
    expect(() => parseModelOutput(critiqueOutput, 'not json', 'critique')).toThrow(/not JSON/);
  });
});

describe('toJsonSchema', () => {
  it('gives the model a schema with every field required and no defaults', () => {
    const schema = toJsonSchema(proposalOutput) as { required: string[]; properties: Record<string, object> };
    expect(schema.required).toEqual(['summary', 'approach', 'risks', 'requirements']);
    expect(JSON.stringify(schema)).not.toContain('default');
    expect(schema).not.toHaveProperty('$schema');
  });
});
