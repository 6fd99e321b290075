import type { GenerateRequest, JsonSchema } from '../../ports/language-model.js';

/**
 * How a JSON schema is sent. `response_format` is the OpenAI field (vLLM reads it too); `guided_json`
 * is vLLM's own, read by vLLM releases that predate or ignore response_format. Strict servers (the
 * OpenAI API itself) reject unknown fields, hence a choice rather than always sending both.
 */
export type GuidedDecoding = 'response_format' | 'guided_json' | 'both';

// OpenAI requires a json_schema name matching ^[a-zA-Z0-9_-]{1,64}$.
function schemaName(schema: JsonSchema): string {
  const title = typeof schema['title'] === 'string' ? schema['title'].replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) : '';
  return title === '' ? 'output' : title;
}

export function chatCompletionBody(model: string, request: GenerateRequest, guided: GuidedDecoding): Record<string, unknown> {
  const schema = request.jsonSchema;
  return {
    model,
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.prompt },
    ],
    max_tokens: request.maxTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    stream: true,
    // Token counts arrive in a last chunk only when asked for.
    stream_options: { include_usage: true },
    ...(schema !== undefined && guided !== 'guided_json'
      ? { response_format: { type: 'json_schema', json_schema: { name: schemaName(schema), schema, strict: true } } }
      : {}),
    ...(schema !== undefined && guided !== 'response_format' ? { guided_json: schema } : {}),
  };
}
