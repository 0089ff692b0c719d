// First: before any module makes a zod schema (see the file).
import './lib/zod-jitless';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider, createBrowserRouter } from 'react-router';
import './app/styles.css';
import { routes } from './app/routes';
import { initI18n } from './i18n';
import { ApiError } from './lib/api';

initI18n();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events invalidate what changed; polling is not needed, and 4xx answers are final.
      refetchOnWindowFocus: true,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 3,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={createBrowserRouter(routes)} />
    </QueryClientProvider>
  </StrictMode>,
);
