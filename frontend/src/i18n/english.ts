// English, bundled statically: for unit tests, which need a translator without waiting. The
// app itself never imports this module (it loads every catalogue on demand, catalogues.ts).

import english from 'virtual:messages/en';
import { createTranslator, type Catalogue, type Translator } from './translator';

export const englishTranslator: Translator = createTranslator('en', english as Catalogue);
