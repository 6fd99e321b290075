/**
 * The one way the core talks to a model, local (llama.cpp) or remote (OpenAI-compatible HTTP).
 *
 * Callers issue concurrent `generate` calls freely (the use case starts N agents with Promise.all);
 * batching them into one decode is the adapter's business, not the caller's.
 */

/** A JSON schema (the subset llama.cpp grammars and vLLM guided decoding both accept). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface GenerateRequest {
  /** System message. Agents of one role share it, so adapters may reuse its evaluated state. */
  readonly system: string;
  /** User message. Put the part shared across agents first so the common prefix is as long as possible. */
  readonly prompt: string;
  /** When set, output is constrained to JSON matching this schema (grammar / guided decoding). */
  readonly jsonSchema?: JsonSchema;
  readonly maxTokens: number;
  /** 0 = greedy. */
  readonly temperature?: number;
  /** Sampling seed, so agents given the same prompt still diverge reproducibly. */
  readonly seed?: number;
  /** Aborting stops generation; the call then rejects with a FleetError CANCELLED or DEADLINE_EXCEEDED. */
  readonly signal?: AbortSignal;
  /** Called as tokens are produced, for live progress. */
  readonly onProgress?: (progress: GenerateProgress) => void;
}

export interface GenerateProgress {
  readonly tokens: number;
  readonly tokensPerSecond: number;
  /** The text produced since the previous call (live token streams); may be empty. */
  readonly text: string;
}

export interface GenerateResult {
  /** The raw text the model produced (kept for audit even when it is parsed as JSON). */
  readonly text: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly durationMs: number;
  /** Why generation ended. */
  readonly finishReason: 'stop' | 'length';
}

export interface ModelInfo {
  /** Human-readable model name (file name, URI or served model id). */
  readonly name: string;
  readonly backend: 'llama.cpp' | 'openai-http';
  readonly gpu: string | false;
  /** Local models: threads decoding, sequences decoded together, the file's size. */
  readonly threads?: number;
  readonly maxSequences?: number;
  readonly fileBytes?: number;
}

export interface LanguageModel {
  readonly info: ModelInfo;
  /** Tokens one generation may hold, prompt and answer together; absent when the backend does not say. */
  readonly contextTokens?: number;
  /** Tokens a prompt takes with the chat template applied; absent when the backend cannot count locally. */
  countPromptTokens?(request: Pick<GenerateRequest, 'system' | 'prompt'>): number;
  /** Tokens a piece of text takes in this model's own tokenizer; absent when the backend cannot count locally. */
  countTokens?(text: string): number;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  close(): Promise<void>;
}
