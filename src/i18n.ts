import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

/**
 * The translation domain of the extension's strings.
 */
export const TRANSLATION_DOMAIN = 'jupyter_smcost';

/**
 * The extension's strings in the translator's language (English without
 * one).
 *
 * @param translator - JupyterLab's translator, when the page has one.
 */
export function loadTrans(translator?: ITranslator | null): TranslationBundle {
  return (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
}

/**
 * The strings in English: the default of the formatting functions, whose
 * callers pass their own bundle.
 */
export const en: TranslationBundle = loadTrans();

/**
 * Names for people by the server's name of a thing (an action, a kind, a
 * price source), each a function of the bundle so that its string stays a
 * literal `trans.__` call.
 */
export type Names = { [name: string]: (trans: TranslationBundle) => string };

/**
 * The name for people of one of `names`, `null` for a name this version does
 * not know.
 *
 * @param names - The table.
 * @param name - The server's name.
 * @param trans - The extension's strings.
 */
export function nameFor(
  names: Names,
  name: string,
  trans: TranslationBundle
): string | null {
  return Object.prototype.hasOwnProperty.call(names, name)
    ? names[name](trans)
    : null;
}
