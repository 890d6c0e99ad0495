/** Writes the ahead-of-time DAG shape validator (`npm run generate -w @kontroler/core`). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPE_VALIDATOR_FILE, shapeValidatorSource } from './shape-validator-source.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, SHAPE_VALIDATOR_FILE), shapeValidatorSource());
console.log(`wrote ${SHAPE_VALIDATOR_FILE}`);
