import type { Pinia } from 'pinia';
import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteLocationRaw,
  type RouteRecordRaw,
} from 'vue-router';
import type { Role } from './api';
import { useAuthStore } from './stores/auth';
import LoginView from './views/LoginView.vue';
import DagListView from './views/DagListView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** The least role that may open the page (the API enforces it too). */
    role?: Role;
    title?: string;
  }
}

/**
 * The page map. The dashboard (the home page, with its chart library), the editor, run detail, DAG detail and admin pages are separate lazy chunks. A DAG is
 * `(namespace, name)`, so its pages are under `/namespaces/:namespace/…`; a bare `/dags/:name` or
 * `/runs/:id` names nothing for sure and gets the 404 page.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'Sign in' } },
  {
    path: '/',
    name: 'dashboard',
    component: () => import('./views/DashboardView.vue'),
    meta: { title: 'Dashboard' },
  },
  { path: '/dags', name: 'dags', component: DagListView, meta: { title: 'DAGs' } },
  {
    path: '/dags/new',
    name: 'dag-new',
    component: () => import('./views/DagEditorView.vue'),
    meta: { role: 'editor', title: 'New DAG' },
  },
  {
    path: '/namespaces/:namespace/dags/:name',
    name: 'dag',
    component: () => import('./views/DagDetailView.vue'),
    props: true,
    meta: { title: 'DAG' },
  },
  {
    path: '/namespaces/:namespace/dags/:name/edit',
    name: 'dag-edit',
    component: () => import('./views/DagEditorView.vue'),
    props: true,
    meta: { role: 'editor', title: 'Edit DAG' },
  },
  {
    path: '/runs',
    name: 'runs',
    component: () => import('./views/RunListView.vue'),
    meta: { title: 'Runs' },
  },
  {
    path: '/namespaces/:namespace/tasks',
    name: 'shared-tasks',
    component: () => import('./views/SharedTasksView.vue'),
    props: true,
    meta: { title: 'Shared tasks' },
  },
  {
    path: '/namespaces/:namespace/runs/:id',
    name: 'run',
    component: () => import('./views/RunDetailView.vue'),
    props: true,
    meta: { title: 'Run' },
  },
  {
    path: '/admin',
    name: 'admin',
    component: () => import('./views/AdminView.vue'),
    meta: { role: 'admin', title: 'Admin' },
  },
  {
    path: '/account',
    name: 'account',
    component: () => import('./views/AccountView.vue'),
    meta: { title: 'Account' },
  },
  // Unknown addresses get a 404 page at the address itself. The 403 page shares the pattern: the guard
  // sends a refused page there by name, which keeps the address too.
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./views/StatusView.vue'),
    props: { status: 404 },
    meta: { title: 'Not found' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'forbidden',
    component: () => import('./views/StatusView.vue'),
    props: { status: 403 },
    meta: { title: 'Not allowed' },
  },
];

/** The 403 page in place of `to`, at the same address. */
function forbidden(to: RouteLocationNormalized): RouteLocationRaw {
  return {
    name: 'forbidden',
    params: { pathMatch: to.path.slice(1).split('/') },
    query: to.query,
    hash: to.hash,
    replace: true,
  };
}

export function createAppRouter(pinia: Pinia) {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach(async (to) => {
    const auth = useAuthStore(pinia);
    if (!auth.signedIn) await auth.restore();
    if (to.meta.public) return auth.signedIn && to.name === 'login' ? { path: '/dags' } : true;
    if (!auth.signedIn)
      return { name: 'login', query: to.fullPath !== '/dags' ? { redirect: to.fullPath } : {} };
    // The API refuses everything but the password change until a one-time password is replaced.
    if (auth.user?.mustChangePassword && to.name !== 'account')
      return { name: 'account', query: { mustChange: '1' } };
    if (to.meta.role && !auth.hasRole(to.meta.role)) return forbidden(to);
    return true;
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Kontroler` : 'Kontroler';
  });
  return router;
}
