/**
 * The Kontroler DSL's tokens (kontroler-compat.md §3), first match wins: `//` comments, whitespace,
 * `"""…"""` (verbatim; quotes right before the closing `"""` belong to the content), `"…"` (no escapes), unsigned integers, identifiers `[a-zA-Z_][a-zA-Z0-9_-]*`,
 * `->`, `{`, `}`, `[`, `]`, `,`.
 */

export type TokenKind =
  'string' | 'multiline' | 'int' | 'ident' | 'arrow' | '{' | '}' | '[' | ']' | ',' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The string's content (without quotes), the identifier, the digits, or the punctuation. */
  readonly text: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

export class DslSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c) || c === '-';

/** Splits `text` into tokens, ending with `eof`. @throws DslSyntaxError at the first character that fits no token. */
export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // Advances over text[i, end), keeping line and column right across newlines.
  const advance = (end: number) => {
    for (; i < end; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    const column = i - lineStart + 1;
    const push = (kind: TokenKind, value: string, end: number) => {
      tokens.push({ kind, text: value, line, column });
      advance(end);
    };
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      advance(i + 1);
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      advance(end === -1 ? text.length : end);
    } else if (text.startsWith('"""', i)) {
      let end = text.indexOf('"""', i + 3);
      if (end === -1) throw new DslSyntaxError('unterminated """ string', line, column);
      // `""""` closes after a final quote, so content may end with `"` (a CEL `x == "prod"`).
      while (text[end + 3] === '"') end++;
      push('multiline', text.slice(i + 3, end), end + 3);
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) throw new DslSyntaxError('unterminated string', line, column);
      push('string', text.slice(i + 1, end), end + 1);
    } else if (isDigit(c)) {
      let end = i + 1;
      while (end < text.length && isDigit(text[end] as string)) end++;
      push('int', text.slice(i, end), end);
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (end < text.length && isIdentPart(text[end] as string)) end++;
      push('ident', text.slice(i, end), end);
    } else if (text.startsWith('->', i)) {
      push('arrow', '->', i + 2);
    } else if (c === '{' || c === '}' || c === '[' || c === ']' || c === ',') {
      push(c, c, i + 1);
    } else {
      const previous = tokens[tokens.length - 1];
      const beforePrevious = tokens[tokens.length - 2];
      const hint =
        c === '>' && previous?.kind === 'ident' && previous.text.endsWith('-')
          ? ` (identifiers may contain "-": write "${previous.text.slice(0, -1)} -> …" with spaces)`
          : beforePrevious?.kind === 'ident' && beforePrevious.text === 'when' && previous?.kind === 'ident'
            ? ' (a condition is a quoted string: when "…")'
            : '';
      throw new DslSyntaxError(`unexpected character ${JSON.stringify(c)}${hint}`, line, column);
    }
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1 });
  return tokens;
}
