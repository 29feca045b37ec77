/**
 * The notebook core in one import (pure TypeScript, no React; `sanitizeHtml` needs a DOM and is
 * imported from './sanitize-dom' by the UI only):
 *   format     parseNotebook / serializeNotebook, the Notebook/Cell/ParamCell/ViewCell/ParseError types
 *   runtime    buildGraph, defaultValues, change, planRun/planAll, resolveView, resolveParamSpec
 *   link-state encodeLinkState / decodeLinkState / readLinkNotebook
 *   edit       cell edits and the undo stack
 *   markdown   renderMarkdown (prose + math → safe HTML)
 *   values     checkParamValue / formatParamValue
 */
export * from './format';
export * from './runtime';
export * from './link-state';
export * from './edit';
export * from './markdown';
export * from './values';
