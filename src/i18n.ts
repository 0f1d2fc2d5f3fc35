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
