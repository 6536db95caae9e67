import { createContext, useContext } from 'react';
import type { Controller } from './useController';

export const ParleyContext = createContext<Controller | null>(null);

export function useParley(): Controller {
  const value = useContext(ParleyContext);
  if (!value) throw new Error('useParley must be used inside <ParleyContext.Provider>');
  return value;
}
