// Bulk import of NDJSON hits: the core (importer.ts), the HTTP route and the CLI pipeline.
export { checkAdminKey, type AdminAuth } from './auth.ts';
export {
  createImporter,
  DEFAULT_MAX_BUFFERED_HITS,
  ImportFailedError,
  type Importer,
  type ImporterDeps,
  type ImportLineError,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ImportTotals,
} from './importer.ts';
export { createLineParser, parseIsoWithOffset, type LineError, type ParsedLine } from './line.ts';
export { linesOfStream, linesOfText, MAX_LINE_CHARS, type RawLine } from './lines.ts';
export { openImportPipeline, type ImportPipeline, type ImportPipelineOptions } from './open.ts';
export { createImportRoute, DEFAULT_MAX_IMPORT_BYTES, DEFAULT_MAX_IMPORT_LINES, IMPORT_PATH, type ImportRouteDeps } from './route.ts';
