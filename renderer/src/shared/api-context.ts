import { createContext, useContext } from 'react';
import type { FleetApi } from '../api.js';

export const ApiContext = createContext<FleetApi | undefined>(undefined);

export function useApi(): FleetApi {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside <ApiContext>');
  return api;
}
