import { FleetError } from '../domain/errors.js';
import type { GenerateRequest, GenerateResult, LanguageModel, ModelInfo } from '../ports/language-model.js';

/**
 * The daemon's model, replaceable while it serves: every caller holds the slot, never the model, so a
 * model chosen in the app reaches the local turns, the worker and the prompt budget at once.
 */
export class ModelSlot implements LanguageModel {
  private inFlight = 0;

  constructor(private model: LanguageModel) {}

  get info(): ModelInfo {
    return this.model.info;
  }

  get contextTokens(): number | undefined {
    return this.model.contextTokens;
  }

  countPromptTokens(request: Pick<GenerateRequest, 'system' | 'prompt'>): number {
    // Backends that cannot count locally (remote servers) are not budgeted: the server says what fits.
    return this.model.countPromptTokens?.(request) ?? 0;
  }

  /**
   * The model's own count; for a backend that cannot count locally (a remote server), about four
   * characters a token, which is what budgets then rest on.
   */
  countTokens(text: string): number {
    return this.model.countTokens?.(text) ?? Math.ceil(text.length / 4);
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    this.inFlight++;
    try {
      return await this.model.generate(request);
    } finally {
      this.inFlight--;
    }
  }

  /** Puts `next` in place and closes the one it replaces; refused while a generation runs. */
  async replace(next: LanguageModel): Promise<void> {
    if (this.inFlight > 0) {
      await next.close();
      throw new FleetError('FAILED_PRECONDITION', `the model is generating (${this.inFlight} turns): stop the running deliberations first`);
    }
    const previous = this.model;
    this.model = next;
    await previous.close();
  }

  close(): Promise<void> {
    return this.model.close();
  }
}
