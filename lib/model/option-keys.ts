import { distance } from 'fastest-levenshtein';
import { messages } from '../lidex.messages';

/**
 * The first key of `options` that is not in `known`, with the message that names it, the known
 * keys and, when one is close enough to be a typo, "did you mean". `advice` replaces the
 * suggestion for keys that are known mistakes (an option that belongs elsewhere).
 */
export function unknownKey(
  where: string,
  options: object,
  known: readonly string[],
  advice: Readonly<Record<string, string>> = {},
): { key: string; message: string } | undefined {
  const key = Object.keys(options).find(
    (candidate) => !known.includes(candidate),
  );
  if (key === undefined) return undefined;
  const suggestion = closestKey(key, known);
  const hint = Object.hasOwn(advice, key)
    ? advice[key]
    : suggestion && messages.didYouMean(suggestion);
  return { key, message: messages.unknownOption(where, key, known, hint) };
}

/** The known key a typo most likely meant: case aside, at most a third of its letters off. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || d < best.distance) best = { key: candidate, distance: d };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(best.key.length / 3))
    ? best.key
    : undefined;
}
