// A catalogue in src/i18n/messages/, its ICU messages compiled at build time (vite.config.ts).
declare module 'virtual:messages/*' {
  import type { CompiledMessage } from 'icu-minify/format';
  const messages: Record<string, CompiledMessage>;
  export default messages;
}
