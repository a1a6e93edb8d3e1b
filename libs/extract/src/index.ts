// Answer extraction shared by every verifier (SPEC section 4): the one way a response becomes an answer.
export { extractAnswer, parseExtractParam, lastAnswerTag, lastBoxed, fencedBlocks, lastCodeBlock } from './extract.js';
export type { ExtractMode, Extracted, CodeBlock, ExtractOptions } from './extract.js';
export { findNumbers, lastNumber, parseExactNumber, parseReferenceNumber, numberReadings, withinTolerance, numbersMatch } from './numbers.js';
export type { ParsedNumber } from './numbers.js';
export { scanValues, readValue, DEFAULT_READ_LIMITS } from './structure.js';
export type { Loose, LooseObject, ReadLimits, ScanOptions, FoundValue, FoundStructure } from './structure.js';
export { lengthFloor } from './length.js';
