/** Child process for the clean-exit test: load, generate, close, and then nothing else. */
import { createLlamaLanguageModel } from '../../../core/adapters/llama/llama-language-model.js';

const model = await createLlamaLanguageModel({ modelPath: process.argv[2]!, name: 'tiny' });
const result = await model.generate({ system: 'You are brief.', prompt: 'Say something.', maxTokens: 8 });
console.log(`generated ${result.completionTokens} tokens`);
await model.close();
