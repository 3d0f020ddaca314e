/**
 * How a data cell or header appears in an error message: quoted, and cut to a short prefix with
 * its length. A message names the offending cell and nothing more: never a whole line of another
 * file (a mistyped path to /etc/shadow must not print its first line), never 100 MB of digits.
 */
export const MAX_SHOWN_CHARACTERS = 40;

export function shortText(text: string, max = MAX_SHOWN_CHARACTERS): string {
  if (text.length <= max) return JSON.stringify(text);
  let prefix = text.slice(0, max);
  // Do not split a surrogate pair (an emoji) in half.
  if (/[\uD800-\uDBFF]$/.test(prefix)) prefix = prefix.slice(0, -1);
  return `${JSON.stringify(prefix)}… (${text.length} characters)`;
}

/** What a column name looks like: letters, digits, marks and the punctuation of units ("age (years)", "BMI [kg/m²]"). */
const PLAUSIBLE_COLUMN_NAME = /^[\p{L}\p{N}\p{M}\p{No} _.()[\]/%#+'-]{1,40}$/u;

/**
 * Column names of a file for a message: at most `limit`, each cut short. When any name does not
 * look like a column name (e.g. `root:$6$…:19000:0:::`, the first line of a file that is not a
 * CSV table), none is shown: the header of the wrong file is its content, not a column list.
 */
export function shortList(names: readonly string[], limit = 20): string {
  if (!names.every((n) => PLAUSIBLE_COLUMN_NAME.test(n))) {
    return `(${names.length} column${names.length === 1 ? '' : 's'} whose names do not look like a table header; is this the right file?)`;
  }
  const shown = names.slice(0, limit);
  return names.length > limit ? `${shown.join(', ')}, … (${names.length} columns)` : shown.join(', ');
}

/**
 * A CSV parser's message without the data it quotes: csv-parse appends the field it choked on
 * (`…, value is "root:$6$…"`) or the record; keep the reason and the position only.
 */
export function parserMessage(message: string): string {
  const first = (message.split('\n')[0] ?? '').replace(/,? (value|record|field) is .*$/i, '').replace(/: got ".*?" at/, ' at');
  return first.length <= 160 ? first : `${first.slice(0, 160)}…`;
}
