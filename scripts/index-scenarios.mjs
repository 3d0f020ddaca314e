// Writes dist/src/scenario/shipped-index.json (run by `npm run build` after tsc): the summary of
// every shipped scenario under the SHA-256 of its file, so `fedage scenarios` lists unchanged
// files without loading the schema (src/scenario/shipped-scenarios.ts).
import { writeShippedIndex } from '../dist/src/scenario/shipped-scenarios.js';

await writeShippedIndex();
