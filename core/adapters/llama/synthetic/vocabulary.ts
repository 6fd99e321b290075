/**
 * The vocabulary of the synthetic models: a SentencePiece-style ("llama") vocabulary of control
 * tokens, the 256 byte-fallback tokens, printable ASCII, and common English/software words.
 *
 * Every prefix of a word is a token too, because SentencePiece only merges adjacent pieces whose
 * concatenation is in the vocabulary: without the prefixes, prompts would tokenize to one token per
 * character and a council prompt would no longer fit the context.
 */

/** SentencePiece marks a word boundary (a space) with this character. */
export const WORD_BOUNDARY = '\u2581';

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** How likely a token is to be generated: the tiny model's output layer turns this into a logit bias. */
export type TokenKind = 'control' | 'byte' | 'char' | 'prefix' | 'word';

export interface Vocabulary {
  readonly tokens: readonly string[];
  readonly types: readonly number[];
  readonly scores: readonly number[];
  readonly kinds: readonly TokenKind[];
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
}

const COMMON_WORDS = `
the be to of and a in that have it for not on with he as you do at this but his by from they we say
her she or an will my one all would there their what so up out if about who get which go me when make
can like time no just him know take people into year your good some could them see other than then now
look only come its over think also back after use two how our work first well way even new want because
any these give day most us is are was were been has had did said made should must may might very more
many much such each every both few less least own same another again still never always often here where
why while before between under through during without within along across around against among above
below near far long short high low big small large great little old young right left next last early late
true false null none yes ok error value type name data file code test build run task plan story agent
role council score rank winner proposal critique revision check decision review design model prompt
output input result results status state event events request response server client message queue
stream batch token tokens context sequence cache prefix memory thread threads worker workers process
function method class object array string number boolean list map set key keys index table column row
query schema field fields record records store database transaction commit branch merge change changes
update create delete read write open close start stop begin end step steps loop return throw catch
try async await promise callback handler option options config setting settings default path folder
directory module package import export interface implement implementation feature features issue issues
bug bugs fix fixes patch version release deploy service services api endpoint endpoints network port
host user users team developer developers project projects repository source target main core domain
adapter adapters port ports use case cases rule rules logic simple clear small fast slow safe secure
risk risks cost costs benefit benefits approach approaches option alternative solution solutions problem
problems goal goals requirement requirements constraint constraints test tests unit integration coverage
performance latency throughput load scale scaling parallel concurrent sequential time timeout deadline
cancel cancelled retry failure failures success valid invalid missing expected actual should could
would propose proposes suggest suggests improve improves reduce reduces increase increases add adds
remove removes keep keeps split splits move moves rename refactor refactors document documents docs
log logs metric metrics trace traces monitor alert alerts health ready live first second third final
because therefore however also instead rather better worse best worst strong weak clean dirty
`;

const SENTENCE_STARTERS = ['The', 'This', 'We', 'You', 'It', 'If', 'When', 'Use', 'Add', 'A', 'I', 'In'];

export interface VocabularyOptions {
  /** Adds plural/past/gerund forms of each word: the bench model's larger vocabulary. */
  readonly inflections?: boolean;
}

export function buildVocabulary(options: VocabularyOptions = {}): Vocabulary {
  const tokens: string[] = [];
  const types: number[] = [];
  const scores: number[] = [];
  const kinds: TokenKind[] = [];
  const seen = new Map<string, number>();
  const add = (text: string, type: number, kind: TokenKind, score = 0): void => {
    const existing = seen.get(text);
    if (existing !== undefined) {
      // A word that is also another word's prefix is a word.
      if (kind === 'word') kinds[existing] = 'word';
      return;
    }
    seen.set(text, tokens.length);
    tokens.push(text);
    types.push(type);
    scores.push(score);
    kinds.push(kind);
  };

  add('<unk>', TOKEN_TYPE.unknown, 'control');
  add('<s>', TOKEN_TYPE.control, 'control');
  add('</s>', TOKEN_TYPE.control, 'control');
  add('<|im_start|>', TOKEN_TYPE.control, 'control');
  add('<|im_end|>', TOKEN_TYPE.control, 'control');
  for (let b = 0; b < 256; b++) {
    add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.byte, 'byte');
  }
  add(WORD_BOUNDARY, TOKEN_TYPE.normal, 'char', -1);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), TOKEN_TYPE.normal, 'char', -1);

  const words = [...new Set(COMMON_WORDS.split(/\s+/).filter((w) => w.length > 0))];
  const all = [...words, ...SENTENCE_STARTERS];
  if (options.inflections) {
    for (const w of words) all.push(`${w}s`, `${w}ed`, `${w}ing`, `${w}er`);
  }
  for (const word of all) {
    const piece = WORD_BOUNDARY + word;
    // Longer pieces score higher, so SentencePiece prefers whole words when merges compete.
    for (let n = 2; n < piece.length; n++) add(piece.slice(0, n), TOKEN_TYPE.normal, 'prefix', n);
    add(piece, TOKEN_TYPE.normal, 'word', piece.length);
  }
  return { tokens, types, scores, kinds, bos: 1, eos: 4, unk: 0 };
}
