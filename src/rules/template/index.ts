/**
 * @module Templating of action arguments: Jinja2 with NativeEnvironment + StrictUndefined
 * semantics, EDA's filters, and Python's `repr`/`str`/`pprint.pformat` for console output
 * (shared/spec/rulebook-language.md §3.2, §3.3, §3.5).
 */

export {
  compileTemplate,
  resolveTemplateLimits,
  DEFAULT_TEMPLATE_LIMITS,
  type CompiledTemplate,
  type TemplateContext,
  type TemplateLimits,
} from './compile-template.js';
export { renderArguments, isTemplateString, TemplateCache, type RenderArgumentsOptions } from './render-arguments.js';
export { pyRepr, pyStr, pyPformat } from './python-repr.js';
