import { defineConfig } from 'vitest/config';
import { SHARED_TEST } from './vitest.config.js';

/**
 * The fast unit tier (`npm run test:unit`): pure modules and front-end modules, no server,
 * no Chromium, no child process. The full suite (`npm test`, vitest.config.ts) runs these too.
 */
export const UNIT = [
  'tests/text/**/*.test.ts',
  'tests/public/**/*.test.ts',
  'tests/documents/**/*.test.ts',
  'tests/retrieval/{bm25,fusion}.test.ts',
  'tests/answer/{calibration,cap,citation-check,claim-check,claim-facts,condense,cosine-kernel,extractive,features,forest,model,question,serving-index}.test.ts',
  'tests/ingest/{chunk,sections}.test.ts',
  'tests/index-store/{vectors,sentence-file}.test.ts',
  'tests/train/{compare,fit,train}.test.ts',
  'tests/server/public-message.test.ts',
  'tests/config.test.ts',
  'tests/sliced.test.ts',
];

export default defineConfig({
  test: {
    name: 'unit',
    include: UNIT,
    ...SHARED_TEST,
  },
});
