// The language chips offered in settings (BCP 47 codes, as the server stores them). Their
// names come from the browser's Intl, in the person's own language (Translator.language).

export const LANGUAGES: readonly string[] = [
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'ru',
  'ar',
  'hi',
  'zh',
  'ja',
  'ko',
];
