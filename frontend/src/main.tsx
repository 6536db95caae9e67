import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadTranslator } from './i18n/catalogues';
import { I18nProvider } from './i18n/I18nProvider';
import { applyToDocument, initialLocale } from './i18n/locales';
import type { Translator } from './i18n/translator';
import './styles.css';

const root = document.getElementById('root');
const locale = initialLocale();
// lang and dir first, so even the first paint is laid out the right way round.
applyToDocument(locale);

function render(tr: Translator) {
  applyToDocument(tr.locale);
  if (!root) return;
  createRoot(root).render(
    <StrictMode>
      <I18nProvider initial={tr}>
        <App />
      </I18nProvider>
    </StrictMode>,
  );
}

function unreachable() {
  if (root) root.textContent = 'Parley could not be loaded. Check your connection and reload.';
}

// Each language's catalogue is a small chunk of its own; if it cannot be fetched, English.
loadTranslator(locale)
  .catch(() => loadTranslator('en'))
  .then(render, unreachable);
